"""``manage.py s3probe``: try each configured S3 storage against its bucket and say what fails.

Per storage alias it checks credentials, bucket, region, clock skew, list /
put / get / delete permissions (with a temporary object it removes), the ACL
the storage sets, what a URL from ``url()`` returns, the lifecycle rule for
incomplete uploads and the CORS preflights of direct uploads from the site's
origins (see :mod:`storages.backends._s3.probe`). Each failure comes with its fix. The exit
status is 1 when any check fails, so deploy pipelines can run it.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.apps import apps
from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InMemoryStorage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from ...backends._s3.probe import FAIL, Probe, Result
from ...backends._s3.probe.cors import is_origin
from ...backends._s3.providers.detect import Detection, fitting_profile, settings_to_paste
from ...backends.s3 import S3Storage
from ...checks import StorageConfig, configured_storages

logger = logging.getLogger(__name__)


def build_storage(config: StorageConfig) -> S3Storage | None:
    """Create the storage of ``config``; None if it is not an S3 storage."""
    storage_class = import_string(config.backend)
    if not (isinstance(storage_class, type) and issubclass(storage_class, S3Storage)):
        return None
    options = dict(config.options)
    if issubclass(storage_class, ManifestFilesMixin):
        # A manifest storage reads staticfiles.json when created; the probe must
        # report a refused or missing bucket itself, so it reads an empty one.
        logger.debug("Creating %s with an empty in-memory manifest", config.backend)
        options["manifest_storage"] = InMemoryStorage()
    storage: S3Storage = storage_class(**options)
    return storage


def selected_storages(aliases: list[str]) -> list[StorageConfig]:
    """Return the STORAGES entries named by ``aliases`` (all when none); raise for unknown ones."""
    configs = {config.alias: config for config in configured_storages()}
    unknown = [alias for alias in aliases if alias not in configs]
    if unknown:
        raise CommandError(
            f"Unknown storage alias {unknown[0]!r}; STORAGES has: {', '.join(configs)}."
        )
    return [configs[alias] for alias in aliases] or list(configs.values())


def cors_origins(given: list[str]) -> tuple[list[str], str]:
    """Return the origins the cors check preflights from, or why it is skipped.

    ``--origin`` wins. Without it, a project with ``storages.uploads``
    installed is checked from the concrete origins of
    ``CSRF_TRUSTED_ORIGINS`` (wildcards left out). ``ALLOWED_HOSTS`` is not
    used: it has no scheme, and often names hosts no browser visits.
    """
    for origin in given:
        if not is_origin(origin):
            raise CommandError(
                "--origin takes the origin of the site's pages, such as "
                f"https://www.example.com (scheme, host and port only), not {origin!r}."
            )
    if given:
        return given, ""
    if not apps.is_installed("storages.uploads"):
        return [], "no --origin given (only uploads straight from browsers need CORS)"
    trusted = [origin for origin in settings.CSRF_TRUSTED_ORIGINS if is_origin(origin)]
    if trusted:
        return trusted, ""
    return [], (
        "no origin to check: pass --origin https://www.example.com, or list the site "
        "in CSRF_TRUSTED_ORIGINS"
    )


class Command(BaseCommand):
    """Probe each configured S3 storage and report what works; exit 1 on any failure."""

    help = (
        "Check each S3 storage in STORAGES against its bucket: credentials, bucket, region, "
        "clock, list/put/get/delete permissions, ACL, URLs, the lifecycle rule and the CORS "
        "rules for uploads from browsers. Exits with status 1 if any check fails."
    )
    # The probe reports configuration problems itself, as failed checks.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        """Accept storage aliases (default: all), a timeout for URL fetches and origins."""
        parser.add_argument("aliases", nargs="*", help="STORAGES aliases to probe (default: all)")
        parser.add_argument(
            "--timeout", type=float, default=10.0, help="seconds to wait for each URL fetch"
        )
        parser.add_argument(
            "--origin",
            action="append",
            default=[],
            dest="origins",
            metavar="ORIGIN",
            help="the origin of the site's pages (https://www.example.com) to check the CORS "
            "rules of direct uploads from; repeat for several (default: CSRF_TRUSTED_ORIGINS "
            "when storages.uploads is installed)",
        )
        parser.add_argument(
            "--detect",
            action="store_true",
            help="try what the provider profiles differ on (checksums, ACLs, conditional "
            "writes, DeleteObjects, unequal parts) and print the profile that fits",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Probe the selected storages and print one line per check."""
        selected = selected_storages(options["aliases"])
        if options["detect"]:
            self._detect_all(selected, explicit=bool(options["aliases"]))
            return
        origins = cors_origins(options["origins"])
        failed: list[str] = []
        probed = 0
        for config in selected:
            results = self._probe(
                config, options["timeout"], origins, explicit=bool(options["aliases"])
            )
            if results is None:
                continue
            probed += 1
            failed += [f"{config.alias}: {r.check}" for r in results if r.status == FAIL]
        if not probed:
            raise CommandError("No S3 storage is configured in STORAGES.")
        if failed:
            raise CommandError(
                f"{len(failed)} check{'s' if len(failed) > 1 else ''} failed "
                f"({', '.join(failed)}).",
                returncode=1,
            )
        self.stdout.write("All checks passed.")

    def _probe(
        self,
        config: StorageConfig,
        timeout: float,
        origins: tuple[list[str], str],
        explicit: bool,
    ) -> list[Result] | None:
        try:
            storage = build_storage(config)
        except (ImproperlyConfigured, ImportError, TypeError, ValueError) as err:
            self.stdout.write(f"Storage {config.alias!r} ({config.backend})")
            results = [
                Result(
                    "settings",
                    FAIL,
                    str(err).replace("\n", " "),
                    "Correct that setting; 'manage.py check' lists every problem it finds.",
                )
            ]
            self._print(results)
            return results
        if storage is None:
            if explicit:
                raise CommandError(f"Storage {config.alias!r} ({config.backend}) is not S3.")
            self.stdout.write(f"Storage {config.alias!r} ({config.backend}): not S3, skipped")
            return None
        endpoint = storage.connection.meta.client.meta.endpoint_url
        public = ""
        if storage.public_endpoint_url and not storage.custom_domain:
            public = f", URLs at {storage.public_endpoint_url}"
        self.stdout.write(
            f"Storage {config.alias!r} ({config.backend}), bucket {storage.bucket_name!r} "
            f"at {endpoint}{public}"
        )
        given, no_origin = origins
        if config.alias == STATICFILES_STORAGE_ALIAS:
            given, no_origin = [], "static files: browsers do not upload to them"
        results = Probe(storage, timeout, origins=given, no_origin=no_origin).run()
        self._print(results)
        return results

    def _detect_all(self, selected: list[StorageConfig], explicit: bool) -> None:
        unfit: list[str] = []
        detected = 0
        for config in selected:
            storage = build_storage(config)
            if storage is None:
                if explicit:
                    raise CommandError(f"Storage {config.alias!r} ({config.backend}) is not S3.")
                continue
            detected += 1
            endpoint = storage.connection.meta.client.meta.endpoint_url
            self.stdout.write(
                f"Storage {config.alias!r} ({config.backend}), bucket {storage.bucket_name!r} "
                f"at {endpoint}, provider {storage.provider!r}"
            )
            try:
                trials = Detection(storage).run()
            except (ClientError, BotoCoreError) as err:
                unfit.append(config.alias)
                self.stdout.write(f"  failed: {type(err).__name__}: {err}")
                self.stdout.write(
                    "  fix: run 's3probe' without --detect: a plain upload or delete failed."
                )
                continue
            for trial in trials.values():
                self.stdout.write(f"  {trial.name:<14} {trial.answer:<48} {trial.what}")
            conditional = trials.get("conditional")
            if conditional is not None and conditional.honoured is False:
                self.stdout.write(
                    "  warning: the store ignores If-None-Match, so create-only saves "
                    "(file_overwrite=False) can replace a file another writer just stored."
                )
            profile = fitting_profile(storage, trials)
            if profile is None:
                unfit.append(config.alias)
                self.stdout.write(
                    "  no provider profile fits: the store refused what every profile sends."
                )
                continue
            self.stdout.write(f"  fits: provider {profile.name!r} ({profile.title})")
            self.stdout.write("  settings to paste into OPTIONS:")
            for line in settings_to_paste(storage, profile, trials).splitlines():
                self.stdout.write(f"    {line}")
        if not detected:
            raise CommandError("No S3 storage is configured in STORAGES.")
        if unfit:
            raise CommandError(f"No profile fits {', '.join(unfit)}.", returncode=1)

    def _print(self, results: list[Result]) -> None:
        for result in results:
            self.stdout.write(f"  {result.status:<5} {result.check:<12} {result.detail}")
            if result.fix:
                first, *more = result.fix.splitlines()
                self.stdout.write(f"        fix: {first}")
                for line in more:  # a CORS rule to paste, say
                    self.stdout.write(f"             {line}")
