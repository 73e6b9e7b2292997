"""``manage.py s3cleanup``: abort the incomplete multipart uploads of each S3 storage.

A process killed during a large upload leaves its parts stored and billed
until the upload is aborted. For each storage alias (default: all S3
storages in STORAGES) the command aborts the uploads under the storage's
location started more than ``--older-than`` hours ago (default 24), or only
lists them with ``--dry-run``. See ``S3Storage.abort_stale_uploads()``.
At verbosity 1 on a terminal a progress line counts the uploads aborted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...backends._s3.bulk.cleanup import StaleUpload, abort_stale_uploads
from ..progress import ProgressLine
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
        verbosity = options["verbosity"]
        # A dry run, or -v 2, lists each upload; -v 1 counts them on a terminal.
        listed = dry_run or verbosity >= 2
        for config in selected:
            storage = build_storage(config)
            if storage is None:
                if options["aliases"]:
                    raise CommandError(f"Storage {config.alias!r} ({config.backend}) is not S3.")
                continue
            label = f"Aborting stale uploads in {config.alias!r}"
            with ProgressLine(self.stdout, label, enabled=verbosity == 1 and not dry_run) as line:
                report: Callable[[StaleUpload], None] = (
                    partial(self._list, dry_run) if listed else lambda _upload: line.advance()
                )
                count = abort_stale_uploads(storage, older_than, dry_run=dry_run, progress=report)
            verb = "would abort" if dry_run else "aborted"
            self.stdout.write(
                f"Storage {config.alias!r} (bucket {storage.bucket_name!r}): {verb} "
                f"{count} incomplete upload{'' if count == 1 else 's'}."
            )

    def _list(self, dry_run: bool, upload: StaleUpload) -> None:
        verb = "Would abort" if dry_run else "Aborted"
        self.stdout.write(
            f"{verb} {upload.key} (upload {upload.upload_id}, started "
            f"{upload.initiated:%Y-%m-%d %H:%M} UTC)"
        )
