"""Amazon S3 storage for Django: ``S3Storage``, ``S3StaticStorage``, ``S3ManifestStaticStorage``.

Extension contract: a subclass may set any setting as a class attribute, and
may override these points (declared, with what each is for, in
``storages.backends._s3.extension.POINTS``; a fast path that would skip one
is taken only while it is not overridden, on the class or on the instance):

- connections: ``connection``, ``unsigned_connection``, ``bucket``,
  ``_create_resource``, ``_create_session``;
- keys: ``_key``, ``_normalize_name``;
- writes: ``_save``, ``save``, ``get_object_parameters``, ``_get_write_parameters``;
- names: ``exists``, ``get_available_name``;
- CloudFront: ``get_cloudfront_signer``, ``cloudfront_signer``;
- settings: ``get_default_settings``.
"""

from __future__ import annotations

import posixpath
import warnings
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.utils.deconstruct import deconstructible
from django.utils.timezone import make_naive

from .. import signers
from ..base import BaseStorage
from ..compress import CompressStorageMixin
from ..utils import (
    clean_name,
    get_available_overwrite_name,
    safe_join,
    setting,
)

try:
    import boto3.session  # noqa: F401
    import s3transfer  # noqa: F401
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as err:  # pragma: no cover - boto3 is a dependency
    raise ImproperlyConfigured(f"Could not load Boto3's S3 bindings. {err}") from err

from ._s3.aio.storage import AsyncStorageMixin
from ._s3.bulk.results import DeleteResult, Entry, Stat
from ._s3.config import ProfileChoice, SignerSource, StoreRules, build_config
from ._s3.connections import S3ConnectionMixin
from ._s3.create import save_new
from ._s3.errors import is_not_found, not_found_as_missing
from ._s3.extension import declare_base
from ._s3.files.file import S3File
from ._s3.naming import assumed_taken, may_skip_check, picking, unchecked_names
from ._s3.options import S3_OPTIONS
from ._s3.params import check_key, filter_download_params, write_parameters
from ._s3.providers import log_choice, profile_defaults, use_content_md5
from ._s3.static.listing import body_digest
from ._s3.static.manifest import StaticManifestMixin
from ._s3.static.scope import ListingMixin
from ._s3.urls.url import storage_url
from ._s3.writes import WriteRequest, send

__all__ = [
    "S3File",
    "S3ManifestStaticStorage",
    "S3StaticStorage",
    "S3Storage",
]

# Names kept from django-storages for code that imports them.
_filter_download_params = filter_download_params
_use_cryptography_signer = signers.cryptography_signer_factory
_use_rsa_signer = signers.rsa_signer_factory


def _cloud_front_signer_from_pem(key_id: str, pem: str | bytes) -> signers.Signer:
    """Build a CloudFront signer with the first RSA library installed."""
    return signers.signer_from_pem(key_id, pem)


@deconstructible(path="storages.backends.s3.S3Storage")
@declare_base
class S3Storage(
    AsyncStorageMixin, S3ConnectionMixin, ListingMixin, CompressStorageMixin, BaseStorage
):
    """Django storage for Amazon S3 and S3-compatible object stores.

    Settings come from ``OPTIONS``, class attributes, Django settings and
    environment variables; see the settings reference in the docs.
    """

    options = S3_OPTIONS
    default_content_type = "application/octet-stream"
    #: Deprecated: set ``client_config`` instead.
    config: ClassVar[Config | None] = None
    #: Signers built from key pairs, shared by subclasses that define no dict of their own.
    #: Keyed by ``SignerCache.key_for`` digests (never the key text); 32 key pairs at most.
    _signers: ClassVar[MutableMapping[str, signers.Signer | None]] = signers.SignerCache(32)

    # Set from the settings table by BaseStorage.
    access_key: str | None
    secret_key: str | None
    security_token: str | None
    session_profile: str | None
    file_overwrite: bool
    object_parameters: dict[str, Any]
    bucket_name: str | None
    querystring_auth: bool
    querystring_expire: int
    querystring_reuse_window: int
    signature_version: str | None
    location: str
    custom_domain: str | None
    cloudfront_key_id: str | None
    cloudfront_key: str | bytes | None
    addressing_style: str | None
    file_name_charset: str
    gzip: bool
    gzip_content_types: tuple[str, ...]
    url_protocol: str
    endpoint_url: str | None
    public_endpoint_url: str | None
    proxies: dict[str, str] | None
    region_name: str | None
    use_ssl: bool
    verify: bool | str | None
    max_memory_size: int
    default_acl: str | None
    use_threads: bool
    transfer_config: TransferConfig
    client_config: Config
    file_buffer_size: int | None
    file_parts_in_memory: int
    file_read_ahead_size: int
    file_upload_temp_dir: str | None
    collectstatic_listing: bool
    hashed_files_cache_control: str | None
    provider: str
    async_workers: int
    #: What the store accepts, from the provider profile (``_s3/providers``).
    _store_rules: StoreRules

    def __init__(self, **settings: Any) -> None:
        """Take the settings and derived values of the one resolved configuration.

        Raises ImproperlyConfigured for an unknown keyword, a wrong value, or
        settings that contradict each other (see ``_s3/config.py``).
        """
        config = build_config(type(self), settings, storage=self)
        if config.refusals:
            raise config.refusals[0].error
        for message in config.deprecations:
            warnings.warn(message, DeprecationWarning, stacklevel=2)
        for name, value in config.settings.items():
            setattr(self, name, value)
        self.client_config = config.client_config
        self.transfer_config = config.transfer_config
        self._store_rules = config.profile.rules
        log_choice(config.profile, type(self).__name__)
        self._init_connections()
        self._signer_from_keys = False
        if config.signer_source is SignerSource.KEYWORD:
            # Through the property, or over a subclass's own class attribute.
            self.cloudfront_signer = config.signer
        elif config.signer_source is not SignerSource.CLASS_ATTRIBUTE:
            self._cloudfront_signer = config.signer
            self._signer_from_keys = config.signer_source is SignerSource.KEY_PAIR

    # -- provider profile -----------------------------------------------------

    def _profile_defaults(
        self, settings: Mapping[str, Any], given: frozenset[str]
    ) -> ProfileChoice:
        """Return the provider profile's defaults for ``settings`` (see ``_s3/providers``)."""
        return profile_defaults(settings, given)

    def _create_resource(self, config: Config) -> Any:
        resource = super()._create_resource(config)
        if self._store_rules.content_md5:
            use_content_md5(resource)
        return resource

    # -- CloudFront signer ---------------------------------------------------

    def _get_cloudfront_signer_attr(self) -> Any:
        signer = self.__dict__.get("_cloudfront_signer")
        if signer is None and self.__dict__.get("_signer_from_keys"):
            assert self.cloudfront_key_id is not None
            assert self.cloudfront_key is not None
            signer = self.get_cloudfront_signer(self.cloudfront_key_id, self.cloudfront_key)
            self._cloudfront_signer = signer
        return signer

    def _set_cloudfront_signer_attr(self, value: Any) -> None:
        self._cloudfront_signer = value
        self._signer_from_keys = False

    cloudfront_signer = property(_get_cloudfront_signer_attr, _set_cloudfront_signer_attr)

    def get_cloudfront_signer(self, key_id: str, key: str | bytes) -> signers.Signer | None:
        """Return the (cached) signer for a CloudFront key pair (override point)."""
        cache = self.__class__._signers
        cache_key = signers.SignerCache.key_for(key_id, key)
        try:
            return cache[cache_key]
        except KeyError:
            # setdefault: threads that built one at once all get the first stored.
            return cache.setdefault(cache_key, _cloud_front_signer_from_pem(key_id, key))

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        if state.get("_signer_from_keys"):
            # Fix: a signer built from keys holds local functions; rebuild it after unpickling.
            state["_cloudfront_signer"] = None
        return state

    # -- names -----------------------------------------------------------------

    def _normalize_name(self, name: str) -> str:
        try:
            key = safe_join(self.location, name)
        except ValueError as err:
            raise SuspiciousOperation(f"Attempted access to '{name}' denied.") from err
        return check_key(key)

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    # -- parameters ------------------------------------------------------------

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """Return the upload parameters for ``name`` (override point; a copy of object_parameters).

        ``name`` is the full key for uploads and ``exists()``, and the
        location-relative name for downloads, as in django-storages.
        """
        return self.object_parameters.copy()

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        return write_parameters(
            self.get_object_parameters(name),
            name,
            content,
            default_content_type=self.default_content_type,
            default_acl=self.default_acl,
        )

    # -- Storage API -----------------------------------------------------------

    def open(self, name: str, mode: str = "rb", *, version_id: str | None = None) -> S3File:
        """Return an S3File of ``name``; ``version_id`` reads that version (a versioned bucket).

        Django's ``Storage.open()``, with one keyword of its own: every
        ``HEAD`` and ``GET`` of the file then carries ``VersionId``.
        """
        if version_id is None:
            return self._open(name, mode)  # as Storage.open(): a subclass's _open() still works
        return self._open(name, mode, version_id=version_id)

    def _open(self, name: str, mode: str = "rb", *, version_id: str | None = None) -> S3File:
        key = self._key(name)
        with not_found_as_missing(key):
            return S3File(key, mode, self, version_id=version_id)

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        """Save ``content`` under a free name derived from ``name``; return the name used.

        Django's ``Storage.save()``. A create-only save (``file_overwrite``
        off) names the file without asking S3 first: its ``If-None-Match``
        PutObject is the check, so a free name costs one request and a
        taken one two (see ``storages.backends._s3.naming``).
        """
        if not may_skip_check(self) or self._active_listing() is not None:
            return super().save(name, content, max_length)
        with unchecked_names(self, max_length):
            return super().save(name, content, max_length)

    def _save(self, name: str, content: Any) -> str:
        cleaned = clean_name(name)
        # Create-only (If-None-Match: *) unless overwriting: concurrent writers never
        # replace each other.
        request = WriteRequest.build(
            self, self._key(cleaned), content, create_only=not self.file_overwrite
        )
        try:
            # In collectstatic (or listing_view()): skip bytes S3 already holds; see _s3_listing.
            view = self._active_listing()
            digest = body_digest(request) if view is not None else None
            if view is not None and view.holds(request.key, digest):
                return cleaned
            if request.create_only:
                cleaned, request = save_new(cleaned, request)
            else:
                send(request)
            if view is not None:
                view.saved(request.key, digest)
            return cleaned
        finally:
            request.close()

    def delete(self, name: str) -> None:
        """Delete ``name``; deleting a missing file is not an error."""
        key = self._key(name)
        view = self._active_listing()
        if view is not None and view.defer_delete(key):
            return  # not stored, or replaced by the save that follows (_s3_listing)
        try:
            self.bucket.Object(key).delete()
        except ClientError as err:
            if not is_not_found(err):
                raise
        if view is not None:
            view.deleted(key)

    def exists(self, name: str) -> bool:
        """Return True if an object with exactly this key exists (a HEAD request).

        Inside collectstatic (or ``listing_view()``) the answer comes from one
        listing instead, and is also True for a "directory" with files under it.
        """
        key = self._key(name)
        view = self._active_listing()
        if view is not None:
            return view.exists(key)
        taken = assumed_taken(self, key)
        if taken is not None:
            return taken  # a create-only save's PutObject checks the name instead
        try:
            self.connection.meta.client.head_object(
                Bucket=self.bucket_name,
                Key=key,
                **filter_download_params(self.get_object_parameters(key)),
            )
        except ClientError as err:
            if is_not_found(err):
                return False
            raise
        return True

    def _head(self, key: str) -> dict[str, Any]:
        """Return HeadObject's answer for ``key``: one request on this thread's bucket.

        It carries the download parameters of ``get_object_parameters(key)``
        (SSE-C keys, RequestPayer...), as opening the file does; a 404 raises
        FileNotFoundError.
        """
        bucket = self.bucket
        with not_found_as_missing(key):
            response: dict[str, Any] = bucket.meta.client.head_object(
                Bucket=bucket.name,
                Key=key,
                **filter_download_params(self.get_object_parameters(key)),
            )
        return response

    def listdir(self, name: str) -> tuple[list[str], list[str]]:
        """Return the "directories" and files directly under ``name``."""
        path = self._key(name)
        if path and not path.endswith("/"):
            path += "/"
        view = self._active_listing()
        if view is not None:
            return view.listdir(path)
        directories: list[str] = []
        files: list[str] = []
        paginator = self.connection.meta.client.get_paginator("list_objects")
        pages = paginator.paginate(Bucket=self.bucket_name, Delimiter="/", Prefix=path)
        for page in pages:
            for entry in page.get("CommonPrefixes", ()):
                directories.append(posixpath.relpath(entry["Prefix"], path))
            for entry in page.get("Contents", ()):
                key = entry["Key"]
                if key != path:
                    files.append(posixpath.relpath(key, path))
        return directories, files

    def size(self, name: str) -> int:
        """Return the size of ``name`` in bytes."""
        key = self._key(name)
        length: int = self._head(key)["ContentLength"]
        return length

    def get_modified_time(self, name: str) -> datetime:
        """Return the last-modified time: aware UTC with USE_TZ, else naive local time."""
        key = self._key(name)
        view = self._active_listing()
        listed = view.last_modified(key) if view is not None else None
        modified = listed if listed is not None else self._head(key)["LastModified"]
        return modified if setting("USE_TZ") else make_naive(modified)

    # -- bulk deletes and listings with metadata (_s3/bulk/) --------------------

    def copy(self, src: str, dst: str, *, overwrite: bool | None = None) -> str:
        """Copy ``src`` to ``dst`` on the server (no download); return the destination name used.

        One CopyObject request, or a parallel multipart copy above 5 GiB. The
        copy keeps the source's content type, encoding, Cache-Control and
        metadata, with ``get_object_parameters(dst)`` applied on top. ``dst``
        is named and checked as ``save()`` names a file: unless overwriting
        (``overwrite``, which defaults to ``file_overwrite``), a taken name
        gives way to the next free one, atomically where the store has
        conditional writes. A missing ``src`` raises FileNotFoundError.
        """
        from ._s3.bulk import copy as bulk_copy  # on first use: not on every start

        return bulk_copy.copy(self, src, dst, overwrite=overwrite)

    def move(self, src: str, dst: str, *, overwrite: bool | None = None) -> str:
        """Move ``src`` to ``dst`` on the server; return the destination name used.

        Copies as :meth:`copy` does, checks the destination's size and ETag,
        and only then deletes ``src``: a failure at any step leaves the
        source in place.
        """
        from ._s3.bulk import copy as bulk_copy  # on first use: not on every start

        return bulk_copy.move(self, src, dst, overwrite=overwrite)

    def abort_stale_uploads(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Abort the incomplete multipart uploads under ``location`` older than ``older_than``.

        Returns how many were aborted, and logs each one (INFO). Uploads are
        listed page by page (ListMultipartUploads); one that finishes
        meanwhile is skipped. A bucket lifecycle rule with
        ``AbortIncompleteMultipartUpload`` does the same without a call.
        """
        from ._s3.bulk import cleanup as bulk_cleanup  # on first use: not on every start

        return bulk_cleanup.abort_stale_uploads(self, older_than)

    def delete_many(self, names: Iterable[str]) -> DeleteResult:
        """Delete the files ``names`` with few requests; return what was deleted and what failed.

        Sends DeleteObjects requests of 1,000 keys, a few at once, so 2,500
        names cost 3 requests. Every name is checked first: a name that
        escapes ``location`` raises SuspiciousOperation before any request.
        A missing file is not an error (it is among the deleted, as
        ``delete()`` treats it); a file S3 refuses to delete is listed in
        ``failures`` with S3's code and message. Raises botocore's error when
        a request fails after its retries (some files may be deleted by
        then; calling again is safe). See :class:`storages.bulk.DeleteResult`.
        """
        from ._s3.bulk import delete as bulk_delete  # on first use: not on every start

        return bulk_delete.delete_many(self, names)

    def delete_prefix(self, path: str, *, allow_root: bool = False) -> int:
        """Delete every file under the "directory" ``path``; return how many were deleted.

        Lists the keys under ``path`` + "/" (so ``"a"`` never reaches
        ``"ab/..."``) and deletes them in batches of 1,000 as the listing
        goes. An empty path, or any path that names the ``location`` itself,
        raises ValueError unless ``allow_root`` is True. Raises
        :class:`storages.bulk.DeleteFailedError` when S3 refused some files.
        """
        from ._s3.bulk import scan as bulk_scan  # on first use: not on every start

        return bulk_scan.delete_prefix(self, path, allow_root=allow_root)

    def scandir(self, path: str = "", *, recursive: bool = False) -> Iterator[Entry]:
        """Iterate over the files and "directories" under ``path``, with sizes and dates.

        Yields :class:`storages.bulk.Entry` records, in key order, read from
        ListObjectsV2 pages as the iteration goes: one request per 1,000
        keys, no HEAD. Names are relative to ``path``, as in ``listdir()``;
        ``entry.path`` is the storage name. With ``recursive``, every file
        at any depth (``"sub/b.txt"``) and no directories. Dates follow
        ``get_modified_time()``.
        """
        from ._s3.bulk import scan as bulk_scan  # on first use: not on every start

        return bulk_scan.scandir(self, path, recursive=recursive)

    def stat(self, name: str) -> Stat:
        """Return the size, date, ETag, headers, metadata and version of ``name`` from one HEAD.

        Carries the download parameters of ``get_object_parameters()`` (SSE-C
        keys...), as ``size()`` does. Raises FileNotFoundError for a missing
        file. See :class:`storages.bulk.Stat`.
        """
        from ._s3.bulk import scan as bulk_scan  # on first use: not on every start

        return bulk_scan.stat(self, name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """Return a free name; with file_overwrite on, ``name`` itself with no S3 call."""
        name = clean_name(name)
        if self.file_overwrite:
            return get_available_overwrite_name(name, max_length)
        with picking(self):
            return super().get_available_name(name, max_length)

    def url(
        self,
        name: str | None,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
        *,
        version_id: str | None = None,
    ) -> str:
        """Return a URL for ``name``: presigned, plain, or on the custom domain.

        ``version_id`` links that version of the file (``VersionId`` in the
        URL's parameters), in a bucket with versioning.
        """
        if version_id is not None:
            parameters = {**(parameters or {}), "VersionId": version_id}
        return storage_url(self, name or "", parameters, expire, http_method)

    def cloudfront_cookies(
        self, name_pattern: str = "*", expire: int | None = None
    ) -> dict[str, str]:
        """Return CloudFront signed cookies opening every file that matches ``name_pattern``.

        The result maps ``CloudFront-Policy``, ``CloudFront-Signature`` and
        ``CloudFront-Key-Pair-Id`` to their values: a custom policy for
        ``<url_protocol>//<custom_domain>/<location>/<name_pattern>`` (``*``
        matches any characters, slashes included), valid for ``expire``
        seconds (default: ``querystring_expire``), signed by
        ``cloudfront_signer``; no request is made. Set them on a response with
        :func:`storages.cloudfront.set_cloudfront_cookies`. They are signed
        whatever ``querystring_auth`` says.

        Raises ImproperlyConfigured without a ``custom_domain`` or a signer,
        and SuspiciousOperation for a pattern that leaves ``location``.
        """
        from ._s3.urls.cookies import signed_cookies  # on first use: not on every start

        return signed_cookies(self, name_pattern, expire)

    # -- direct uploads (the browser sends the file to S3) -----------------------

    def presigned_post(
        self,
        name: str,
        *,
        content_type: str | None = None,
        max_size: int | None = None,
        min_size: int = 0,
        expire: int | None = None,
        metadata: dict[str, str] | None = None,
        max_length: int | None = None,
    ) -> dict[str, Any]:
        """Return ``{"url", "fields", "name"}``: a presigned POST for an HTML form.

        The browser sends ``fields``, then the file as the last field
        (``file``), in a ``multipart/form-data`` POST to ``url``. ``name`` is
        the new file's storage name (to store on the model): ``name`` after
        the storage's naming, with ``_`` and 7 random characters added before
        the extensions, so that no two uploads share a key. S3 refuses the
        POST (403) when the form changes the key or any field, and (400) when
        the file is not between ``min_size`` and ``max_size`` bytes (at most
        5 GiB). The policy expires after ``expire`` seconds (default:
        ``querystring_expire``).

        ``content_type`` is pinned exactly; ``"image/"`` (ending in ``/``)
        accepts any type starting with it, and the form must then add a
        ``Content-Type`` field itself. Default: the type ``save()`` would
        store. The policy also pins ``metadata`` (``x-amz-meta-*``) and the
        upload parameters ``save()`` sends (``get_object_parameters()``,
        ``default_acl``); a parameter a POST form cannot carry raises
        ImproperlyConfigured. ``max_length`` (a ``FileField``'s) limits the
        name's length.
        """
        from ._s3.uploads import presigned as presigned_uploads  # on first use: not on every start

        return presigned_uploads.presigned_post(
            self,
            name,
            content_type=content_type,
            max_size=max_size,
            min_size=min_size,
            expire=expire,
            metadata=metadata,
            max_length=max_length,
        )

    def presigned_put(
        self,
        name: str,
        *,
        content_type: str | None = None,
        expire: int | None = None,
        metadata: dict[str, str] | None = None,
        max_length: int | None = None,
    ) -> dict[str, Any]:
        """Return ``{"url", "headers", "name"}``: a presigned PUT of a new file.

        The browser sends the file as the body of a PUT to ``url``, with
        exactly ``headers``: they are signed into the URL, so S3 refuses
        (403) a request that changes or leaves out one. They carry the
        content type, ``metadata`` and the upload parameters ``save()``
        sends, plus ``If-None-Match: *`` when ``file_overwrite`` is off, so
        that the URL never replaces an object (412). Naming, ``content_type``
        (exact only), ``expire`` and ``max_length`` are as in
        :meth:`presigned_post`. The size is not limited: check it once the
        upload is done, or use :meth:`presigned_post`. Needs Signature
        Version 4 (``signature_version = "s3v4"``).
        """
        from ._s3.uploads import presigned as presigned_uploads  # on first use: not on every start

        return presigned_uploads.presigned_put(
            self,
            name,
            content_type=content_type,
            expire=expire,
            metadata=metadata,
            max_length=max_length,
        )

    def start_multipart_upload(
        self,
        name: str,
        *,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        max_length: int | None = None,
    ) -> dict[str, str]:
        """Start a multipart upload of a new file; return ``{"name", "upload_id"}``.

        One CreateMultipartUpload request, with the content type,
        ``metadata`` and the upload parameters ``save()`` sends. Naming,
        ``content_type`` and ``max_length`` are as in :meth:`presigned_put`.
        Then sign part URLs with :meth:`presigned_upload_parts`, and finish
        with :meth:`complete_multipart_upload` or
        :meth:`abort_multipart_upload`.
        """
        from ._s3.uploads import multipart as part_uploads  # on first use: not on every start

        return part_uploads.start(
            self, name, content_type=content_type, metadata=metadata, max_length=max_length
        )

    def presigned_upload_parts(
        self,
        name: str,
        upload_id: str,
        part_numbers: Iterable[int],
        *,
        expire: int | None = None,
    ) -> dict[int, str]:
        """Return ``{part_number: url}``: presigned URLs for parts of a multipart upload.

        The browser sends each part as the body of a PUT to its URL, in any
        order and in parallel, and keeps the ``ETag`` header of each answer.
        Part numbers run from 1 to 10,000; every part but the last must be
        at least 5 MiB. Ask for any batch of part numbers, as often as
        needed. No request is sent.
        """
        from ._s3.uploads import multipart as part_uploads  # on first use: not on every start

        return part_uploads.sign_parts(self, name, upload_id, part_numbers, expire=expire)

    def complete_multipart_upload(
        self,
        name: str,
        upload_id: str,
        parts: Iterable[Mapping[str, Any]],
        *,
        max_size: int | None = None,
    ) -> str:
        """Assemble the uploaded parts into the file ``name``; return ``name``.

        ``parts`` lists ``{"part_number": n, "etag": "..."}`` for each part,
        with the ETag S3 answered its PUT with. With ``max_size``, the parts'
        total size is read first (ListParts), and an upload over it is
        aborted (ValueError). When ``file_overwrite`` is off, the completion
        is create-only (``If-None-Match: *``); if another writer stored the
        name meanwhile, the upload is aborted (FileExistsError). A completed
        or aborted upload raises FileNotFoundError.
        """
        from ._s3.uploads import multipart as part_uploads  # on first use: not on every start

        return part_uploads.complete(self, name, upload_id, parts, max_size=max_size)

    def abort_multipart_upload(self, name: str, upload_id: str) -> None:
        """Abort a multipart upload: S3 deletes the parts sent so far.

        Aborting an upload that was aborted or completed already is not an
        error.
        """
        from ._s3.uploads import multipart as part_uploads  # on first use: not on every start

        part_uploads.abort(self, name, upload_id)


@deconstructible(path="storages.backends.s3.S3StaticStorage")
@declare_base
class S3StaticStorage(S3Storage):
    """S3 storage for static files: URLs are unsigned so they stay stable."""

    querystring_auth = False


@deconstructible(path="storages.backends.s3.S3ManifestStaticStorage")
@declare_base
class S3ManifestStaticStorage(StaticManifestMixin, ManifestFilesMixin, S3StaticStorage):  # type: ignore[misc]
    """S3 static storage with Django's hashed names and ``staticfiles.json`` manifest."""
