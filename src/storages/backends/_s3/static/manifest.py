"""What S3ManifestStaticStorage adds to Django's ManifestFilesMixin.

Django's mixin hashes a file it has not hashed yet in this run by opening it
*through the storage*: on S3 that is a HEAD and a full GET of an object that
``collectstatic`` uploaded from a local file seconds before. During
``post_process()`` this mixin hashes from that local source instead (the
finders' storages, which ``post_process`` receives), so a run downloads
nothing. Names, manifest and errors stay Django's own.

It also runs post-processing with deletes *held* (see ``_s3_listing``): the
mixin deletes each hashed name before saving it again, and when the bytes
did not change, neither request is needed. It can give the hashed files
it writes a long-lived ``Cache-Control`` (``hashed_files_cache_control``).
Under the app's ``collectstatic`` its saves go to the command's upload pool
(the listing view's ``writer``), and the manifest waits for all of them.
"""

from __future__ import annotations

import contextlib
import posixpath
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.core.files.storage import Storage

__all__ = ["StaticManifestMixin"]

if TYPE_CHECKING:
    from django.contrib.staticfiles.storage import ManifestFilesMixin

    from .scope import ListingMixin

    class _Base(ManifestFilesMixin, ListingMixin, Storage):  # type: ignore[misc]
        """What the mixin needs from the S3 static storage it is mixed into."""

        hashed_files_cache_control: str | None

        def _key(self, name: str) -> str: ...
        def _save(self, name: str, content: Any) -> str: ...
        def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]: ...

else:
    _Base = object


@dataclass
class _PostProcessing:
    #: ``post_process()``'s ``paths``: name -> (source storage, path in it).
    sources: Mapping[str, tuple[Storage, str]]
    #: True while the mixin's own code runs (not while the caller holds a result).
    saving_hashed: bool = False


_state = threading.local()


def _runs() -> dict[int, _PostProcessing]:
    # Per thread and per storage: post-processing runs in the caller's thread,
    # and this state must not follow the storage into a pickle.
    runs: dict[int, _PostProcessing] | None = getattr(_state, "runs", None)
    if runs is None:
        runs = _state.runs = {}
    return runs


class StaticManifestMixin(_Base):
    """Hash from local sources, hold deletes and set cache headers while post-processing."""

    def post_process(  # type: ignore[override]  # Django's own signature, not the stub's
        self, paths: dict[str, tuple[Storage, str]], dry_run: bool = False, **options: Any
    ) -> Iterator[tuple[str, str | None, Any]]:
        """Post-process as Django does, hashing from the local sources in ``paths``."""
        run = _PostProcessing(paths)
        _runs()[id(self)] = run
        view = self._active_listing()
        try:
            with view.holding() if view is not None else contextlib.nullcontext():
                processor = super().post_process(paths, dry_run=dry_run, **options)
                while True:
                    run.saving_hashed = True
                    try:
                        item = next(processor)
                    except StopIteration:
                        return
                    finally:
                        run.saving_hashed = False
                    yield item
        finally:
            _runs().pop(id(self), None)

    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        """Return Django's hashed name; without ``content``, hash the local source if known."""
        if content is None:
            local = self._open_local_source(filename or name)
            if local is not None:
                with local:
                    hashed: str = super().hashed_name(name, local, filename)
                return hashed
        hashed = super().hashed_name(name, content, filename)
        return hashed

    def _open_local_source(self, name: str) -> Any:
        run = _runs().get(id(self))
        if run is None:
            return None
        # The same cleaning Django's hashed_name() applies to find the file.
        path = urlsplit(unquote(name)).path.strip()
        source = run.sources.get(path) or run.sources.get(posixpath.normpath(path))
        if source is None:
            return None
        storage, source_path = source
        try:
            return storage.open(source_path)
        except OSError:
            return None

    def _save(self, name: str, content: Any) -> str:
        # The app's collectstatic sends post-processing's saves from its pool.
        view = self._active_listing()
        if view is not None and view.writer is not None:
            queued = view.writer.save(self, view, name, content)
            if queued is not None:
                return queued
        saved: str = super()._save(name, content)
        return saved

    def save_manifest(self) -> None:
        """Save ``staticfiles.json`` once every file it names is in the bucket."""
        view = self._active_listing()
        if view is not None and view.writer is not None:
            view.writer.drain()
        super().save_manifest()

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        params = super()._get_write_parameters(name, content)
        run = _runs().get(id(self))
        if (
            self.hashed_files_cache_control
            and run is not None
            and run.saving_hashed
            # The manifest changes on every deploy under one name: never cache it long.
            and name != self._key(self.manifest_name)
        ):
            params["CacheControl"] = self.hashed_files_cache_control
        return params
