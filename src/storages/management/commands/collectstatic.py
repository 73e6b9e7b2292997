"""``collectstatic`` from the optional ``"storages"`` app: Django's, faster on S3.

List ``"storages"`` *before* ``"django.contrib.staticfiles"`` in
``INSTALLED_APPS`` for this command to replace Django's. It takes every
option of Django's command and, when the staticfiles storage is an
``S3Storage``:

* answers "is it there, and how old is it?" from one listing of the bucket;
* uploads from a bounded pool of threads sharing one client (``--workers``),
  post-processing's hashed copies included, and writes ``staticfiles.json``
  only once every file it names is in the bucket; every failed file is
  reported and the command then fails;
* skips a file whose bytes S3 already holds (local MD5 against the listed
  ETag) even when its modified time changed, as after a fresh checkout
  (``--upload-unchanged`` turns this off);
* clears (``--clear``) with DeleteObjects, 1,000 keys a request;
* on a terminal, shows a progress line while it waits for the uploads
  (``Uploading static files: 120/800 (15%)``), and at verbosity 1 another
  while post-processing; on a pipe or a file it writes no more than Django's.

With any other storage it is Django's command, unchanged. Its messages,
verbosity levels, summary counts and errors follow the Django version it runs
on (Django 6.0 counts deletions, and logs each one at verbosity 2; Django 6.1
reports a failed post-processing as a ``CommandError``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import django
from django.contrib.staticfiles.management.commands import collectstatic
from django.core.files.storage import Storage
from django.core.management.base import CommandError, CommandParser
from django.utils.functional import LazyObject, empty

from ...backends._s3.static.listing import ListingView
from ...backends._s3.static.uploads import (
    DEFAULT_WORKERS,
    Uploader,
    UploadResult,
    UploadsFailedError,
)
from ...backends.s3 import S3Storage
from ..progress import ProgressLine

__all__ = ["Command"]

# Django 6.0 reports "N static files deleted" and logs each deletion at verbosity 2.
_COUNTS_DELETIONS = django.VERSION >= (6, 0)
# Django 6.1 turns a post-processing error into a CommandError carrying its notes.
_POST_PROCESS_ERROR_IS_COMMAND_ERROR = django.VERSION >= (6, 1)


def _s3_destination(storage: Any) -> S3Storage | None:
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        storage = storage._wrapped
    return storage if isinstance(storage, S3Storage) else None


def _clear_order(key: str) -> tuple[tuple[int, str], ...]:
    # Django's clear_dir() deletes a directory's files, then descends into its
    # subdirectories, each level in listing order; sort keys the same way.
    parts = key.split("/")
    return (*((1, part) for part in parts[:-1]), (0, parts[-1]))


@dataclass
class _S3Run:
    storage: S3Storage
    view: ListingView
    uploader: Uploader
    found: dict[str, tuple[Storage, str]] = field(default_factory=dict)


class Command(collectstatic.Command):
    """Django's collectstatic, with concurrent uploads and batched deletes on S3."""

    help = (
        "Collect static files in a single location. On S3: one listing, concurrent "
        "uploads, no upload of bytes already stored, and batched deletes for --clear."
    )
    _s3: _S3Run | None = None
    #: Set by Django 6.0 and later (its stubs do not declare it).
    deleted_files: list[str]

    def add_arguments(self, parser: CommandParser) -> None:
        """Add Django's options, then ``--workers`` and ``--upload-unchanged``."""
        super().add_arguments(parser)
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help="How many uploads to run at once on S3 (default: %(default)s).",
        )
        parser.add_argument(
            "--upload-unchanged",
            action="store_false",
            dest="skip_identical",
            help="Upload files even when S3 already holds the same bytes, for example "
            "after changing upload parameters such as CacheControl.",
        )

    def set_options(self, **options: Any) -> None:
        """Read Django's options and ours."""
        super().set_options(**options)
        self.workers = options.get("workers", DEFAULT_WORKERS)
        if self.workers < 1:
            raise CommandError(f"--workers must be at least 1; got {self.workers}.")
        self.skip_identical = options.get("skip_identical", True)

    def collect(self) -> dict[str, list[str]]:
        """Collect as Django does; on S3, upload concurrently and post-process at the end."""
        storage = _s3_destination(self.storage)
        if storage is None:
            result: dict[str, list[str]] = super().collect()
            return result
        collected: dict[str, list[str]]
        wants_post_process = self.post_process
        with (
            storage.listing_view() as view,
            contextlib.closing(
                Uploader(storage, view, self.workers, self.skip_identical)
            ) as uploader,
        ):
            self._s3 = run = _S3Run(storage, view, uploader)
            # Django's collect() post-processes right after queueing; the
            # uploads must finish first, so post-processing runs below.
            self.post_process = False
            try:
                collected = super().collect()
                self._finish(self._wait_for_uploads(uploader))
            finally:
                self.post_process = wants_post_process
                self._s3 = None
            if wants_post_process and hasattr(self.storage, "post_process"):
                self._post_process(run.found, view, uploader)
        # Django's own counts (Django 6.0 adds "skipped" and "deleted"), with
        # the uploads' and post-processing's outcome in place of its guesses.
        return {
            **collected,
            "modified": self.copied_files + self.symlinked_files,
            "unmodified": self.unmodified_files,
            "post_processed": self.post_processed_files,
        }

    def clear_dir(self, path: str) -> None:
        """Delete every file under ``path``, 1,000 keys a request on S3."""
        run = self._s3
        if run is None:
            return super().clear_dir(path)
        base = run.storage._key(path)
        base = base if not base or base.endswith("/") else base + "/"
        # Like Django's clear_dir(), leave "directory" marker keys ("css/") alone.
        stored = run.view.stored_keys()
        keys = sorted(
            (key for key in stored if key.startswith(base) and not key.endswith("/")),
            key=_clear_order,
        )
        names = {key: key[len(run.view.prefix) :] for key in keys}
        for key in keys:
            verb = "Pretending to delete" if self.dry_run else "Deleting"
            self.log(f"{verb} '{names[key]}'", level=2 if _COUNTS_DELETIONS else 1)
        failures = [] if self.dry_run or not keys else run.view.delete_many(keys)
        if _COUNTS_DELETIONS:
            failed = {key for key, _ in failures}
            self.deleted_files.extend(names[key] for key in keys if key not in failed)
        for key, reason in failures:
            self.stderr.write(f"Could not delete '{names[key]}': {reason}")
        if failures:
            raise CommandError(f"{len(failures)} of {len(keys)} files could not be deleted.")
        return None

    def copy_file(self, path: str, prefixed_path: str, source_storage: Storage) -> None:
        """Queue the upload of ``path`` unless S3's copy is at least as new."""
        run = self._s3
        if run is None:
            return super().copy_file(path, prefixed_path, source_storage)
        if prefixed_path in self.copied_files:
            return self.log(f"Skipping '{path}' (already copied earlier)")
        run.found[prefixed_path] = (source_storage, path)
        if self._unmodified(path, prefixed_path, source_storage):
            return None
        source_path = source_storage.path(path)
        if self.dry_run:
            self.log(f"Pretending to copy '{source_path}'", level=1)
        else:
            self.log(f"Copying '{source_path}'", level=2)
            run.uploader.submit(prefixed_path, source_storage, path)
        self.copied_files.append(prefixed_path)
        return None

    def _unmodified(self, path: str, prefixed_path: str, source_storage: Storage) -> bool:
        # Django's delete_file() test, without its delete: a PUT replaces the object.
        if not self.storage.exists(prefixed_path):
            return False
        try:
            target_modified = self.storage.get_modified_time(prefixed_path)
            source_modified = source_storage.get_modified_time(path)
        except (OSError, NotImplementedError):
            return False
        # Whole seconds, as Django compares them (S3 keeps no more).
        if target_modified.replace(microsecond=0) < source_modified.replace(microsecond=0):
            return False
        if prefixed_path not in self.unmodified_files:
            self.unmodified_files.append(prefixed_path)
        self.log(f"Skipping '{path}' (not modified)")
        return True

    def _wait_for_uploads(self, uploader: Uploader) -> list[UploadResult]:
        # Per-file lines, if any, were written as files were queued: nothing
        # else writes to stdout while the uploads finish, at any verbosity.
        label = "Uploading static files"
        with ProgressLine(self.stdout, label, uploader.queued, enabled=self.verbosity >= 1) as line:
            return uploader.results(line.advance if line.shown else None)

    def _finish(self, results: list[UploadResult]) -> None:
        identical = {result.name for result in results if not result.error and not result.uploaded}
        failed = [result for result in results if result.error is not None]
        for result in results:
            if result.name in identical:
                self.log(f"Skipping '{result.path}' (S3 already holds the same bytes)")
        for result in failed:
            self.stderr.write(f"Could not copy '{result.path}': {result.error}")
        not_copied = identical | {result.name for result in failed}
        self.copied_files = [name for name in self.copied_files if name not in not_copied]
        self.unmodified_files += [result.name for result in results if result.name in identical]
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(results)} static files could not be copied."
            ) from failed[0].error

    def _post_process(
        self, found: dict[str, tuple[Storage, str]], view: ListingView, uploader: Uploader
    ) -> None:
        # The storage's saves go to the pool too (S3ManifestStaticStorage).
        view.writer = uploader
        try:
            self._post_process_files(found)
            uploader.drain()
        except UploadsFailedError as err:
            for key, error in err.failures:
                self.stderr.write(f"Could not upload '{key[len(view.prefix) :]}': {error}")
            raise CommandError(
                f"{len(err.failures)} post-processed files could not be uploaded."
            ) from err.failures[0][1]
        finally:
            view.writer = None

    def _post_process_files(self, found: dict[str, tuple[Storage, str]]) -> None:
        # What Django's collect() does after copying, with the same messages.
        processor = self.storage.post_process(found, dry_run=self.dry_run)
        # A line per file at verbosity 2 says more; a dry run post-processes nothing.
        shown = self.verbosity == 1 and not self.dry_run
        with ProgressLine(
            self.stdout, "Post-processing static files", len(found), enabled=shown
        ) as line:
            self._post_process_each(processor, found, line)

    def _post_process_each(
        self, processor: Any, found: dict[str, tuple[Storage, str]], line: ProgressLine
    ) -> None:
        # Later passes yield files again: the line counts each file once.
        pending = set(found)
        for original_path, processed_path, processed in processor:
            if original_path in pending:
                pending.discard(original_path)
                line.advance()
            if isinstance(processed, Exception):
                line.close()
                self.stderr.write(f"Post-processing '{original_path}' failed!")
                self.stderr.write()
                if not _POST_PROCESS_ERROR_IS_COMMAND_ERROR:
                    raise processed
                message = "\n".join([str(processed), *getattr(processed, "__notes__", ())])
                raise CommandError(message) from processed
            if processed:
                self.log(f"Post-processed '{original_path}' as '{processed_path}'", level=2)
                self.post_processed_files.append(original_path)
            else:
                self.log(f"Skipped post-processing '{original_path}'")
