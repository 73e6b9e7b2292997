"""``manage.py s3cleanup``: abort the incomplete multipart uploads of each S3 storage.

A process killed during a large upload leaves its parts stored and billed
until the upload is aborted. For each storage alias (default: all S3
storages in STORAGES) the command aborts the uploads under the storage's
location started more than ``--older-than`` hours ago (default 24), or only
lists them with ``--dry-run``. See ``S3Storage.abort_stale_uploads()``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...backends._s3.bulk.cleanup import StaleUpload, abort_stale_uploads
from .s3probe import build_storage, selected_storages


class Command(BaseCommand):
    """Abort (or list) stale multipart uploads under each S3 storage's location."""

    help = (
        "Abort the incomplete multipart uploads under each S3 storage's location that were "
        "started more than --older-than hours ago; --dry-run only lists them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Accept storage aliases (default: all), --older-than hours and --dry-run."""
        parser.add_argument("aliases", nargs="*", help="STORAGES aliases (default: all S3 ones)")
        parser.add_argument(
            "--older-than",
            type=float,
            default=24.0,
            metavar="HOURS",
            help="abort uploads started more than this many hours ago (default: 24)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list the uploads without aborting them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Abort or list the stale uploads of the selected storages."""
        if options["older_than"] < 0:
            raise CommandError("--older-than must be zero or more hours.")
        older_than = timedelta(hours=options["older_than"])
        selected = selected_storages(options["aliases"])
        dry_run = options["dry_run"]
        verbose = options["verbosity"] >= 2 or dry_run
        for config in selected:
            storage = build_storage(config)
            if storage is None:
                if options["aliases"]:
                    raise CommandError(f"Storage {config.alias!r} ({config.backend}) is not S3.")
                continue
            progress = Progress(self, verbose=verbose, dry_run=dry_run)
            count = abort_stale_uploads(
                storage, older_than, dry_run=dry_run, progress=progress.step
            )
            progress.finish()
            verb = "would abort" if dry_run else "aborted"
            self.stdout.write(
                f"Storage {config.alias!r} (bucket {storage.bucket_name!r}): {verb} "
                f"{count} incomplete upload{'' if count == 1 else 's'}."
            )


class Progress:
    """One line per upload at verbosity 2 (or a dry run); a counter rewritten in place on a TTY."""

    def __init__(self, command: BaseCommand, *, verbose: bool, dry_run: bool) -> None:
        self.stdout = command.stdout
        self.verbose = verbose
        self.label = "Would abort" if dry_run else "Aborted"
        self.tty = command.stdout.isatty()
        self.count = 0

    def step(self, upload: StaleUpload) -> None:
        """Report one upload."""
        self.count += 1
        if self.verbose:
            self.stdout.write(
                f"{self.label} {upload.key} (upload {upload.upload_id}, started "
                f"{upload.initiated:%Y-%m-%d %H:%M} UTC)"
            )
        elif self.tty:
            self.stdout.write(f"\r{self.label} {self.count} upload(s)...", ending="")
            self.stdout.flush()

    def finish(self) -> None:
        """End the in-place counter line, if one was written."""
        if self.tty and not self.verbose and self.count:
            self.stdout.write("")
