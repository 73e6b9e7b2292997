"""``manage.py s3probe --detect``: try what the profiles differ on, and say which profile fits.

Against the storage's own bucket, endpoint and credentials, with temporary
keys under its location that it removes, :class:`Detection` tries:

- a PutObject with boto3's default flexible checksum;
- a PutObject with a canned ACL (``private``, which publishes nothing);
- a conditional PutObject (``If-None-Match: *``) onto a key that exists;
- DeleteObjects as boto3 sends it (a CRC32), then with Content-MD5;
- a multipart upload whose first part is larger than the second.

Every trial but the first runs on a client that sends what the
``s3-compatible`` profile sends, so one refusal does not hide another.
:func:`fitting_profile` then picks the profile that sends nothing the store
refused, and :func:`settings_to_paste` the ``OPTIONS`` that select it.
"""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..config import StoreRules
from ..connections import with_session
from ..errors import status_code
from ..protocol import HTTP_PRECONDITION_FAILED, MIN_PART_SIZE
from ..types import SessionStorage
from .defaults import choose, endpoint_host
from .hooks import use_content_md5
from .profiles import AWS, PROFILES, S3_COMPATIBLE, Profile

__all__ = ["DetectStorage", "Detection", "Trial", "fitting_profile", "settings_to_paste"]

_WHEN_REQUIRED = {
    "request_checksum_calculation": "when_required",
    "response_checksum_validation": "when_required",
}
_WHEN_SUPPORTED = {
    "request_checksum_calculation": "when_supported",
    "response_checksum_validation": "when_supported",
}


class DetectStorage(SessionStorage, Protocol):
    """What detection needs from a storage (``S3Storage`` has all of it)."""

    provider: str
    default_acl: str | None
    object_parameters: dict[str, Any]

    @property
    def _store_rules(self) -> StoreRules: ...
    def _key(self, name: str) -> str: ...


@dataclass
class Trial:
    """One request tried against the store, and how it answered."""

    name: str
    #: What was sent, in words.
    what: str
    accepted: bool | None = None
    #: The store's answer: "accepted", or the status and error code.
    answer: str = ""
    #: For the conditional PUT: True once the store answered 412.
    honoured: bool | None = None


@dataclass
class Detection:
    """The trials run against one storage's bucket."""

    storage: DetectStorage
    trials: dict[str, Trial] = field(default_factory=dict)
    _keys: list[str] = field(default_factory=list)

    def run(self) -> dict[str, Trial]:
        """Run every trial, remove the temporary objects, and return the trials by name."""
        safe = self._client(_WHEN_REQUIRED, content_md5=True)
        try:
            if "request_checksum_calculation" in Config.OPTION_DEFAULTS:
                boto3s = self._client(_WHEN_SUPPORTED, content_md5=False)
                self._try(
                    "checksums",
                    "PutObject with boto3's CRC32 checksum",
                    boto3s.put_object,
                    Bucket=self._bucket,
                    Key=self._new_key(),
                    Body=b"checksummed",
                )
            else:
                self.trials["checksums"] = Trial(
                    "checksums", "boto3 before 1.36 sends no flexible checksum", True, "n/a"
                )
            self._try(
                "acl",
                "PutObject with x-amz-acl: private",
                safe.put_object,
                Bucket=self._bucket,
                Key=self._new_key(),
                Body=b"acl",
                ACL="private",
            )
            self._conditional(safe)
            self._deletes(safe)
            self._unequal_parts(safe)
        finally:
            self._clean(safe)
        return self.trials

    # -- trials ----------------------------------------------------------------------

    @property
    def _bucket(self) -> str:
        return str(self.storage.bucket_name)

    def _new_key(self) -> str:
        key = self.storage._key(f".s3probe-detect-{uuid.uuid4().hex}")
        self._keys.append(key)
        return key

    def _try(self, name: str, what: str, call: Callable[..., Any], **params: Any) -> Any:
        trial = self.trials[name] = Trial(name, what)
        try:
            response = call(**params)
        except ClientError as err:
            error = err.response.get("Error", {})
            trial.accepted = False
            trial.answer = f"refused ({status_code(err)} {error.get('Code', '')})"
            return err
        trial.accepted, trial.answer = True, "accepted"
        return response

    def _conditional(self, client: Any) -> None:
        key = self._new_key()
        client.put_object(Bucket=self._bucket, Key=key, Body=b"first")
        outcome = self._try(
            "conditional",
            "PutObject with If-None-Match: * onto an existing key",
            client.put_object,
            Bucket=self._bucket,
            Key=key,
            Body=b"second",
            IfNoneMatch="*",
        )
        trial = self.trials["conditional"]
        if isinstance(outcome, ClientError) and status_code(outcome) == HTTP_PRECONDITION_FAILED:
            trial.accepted, trial.honoured = True, True
            trial.answer = "honoured (412 PreconditionFailed on the existing key)"
        elif trial.accepted:
            trial.honoured = False
            trial.answer = "ignored: the existing object was replaced"

    def _deletes(self, client: Any) -> None:
        plain = self._client(_WHEN_REQUIRED, content_md5=False)
        for name, what, sender in (
            ("delete-crc32", "DeleteObjects as boto3 sends it (CRC32)", plain),
            ("delete-md5", "DeleteObjects with Content-MD5", client),
        ):
            key = self._new_key()
            client.put_object(Bucket=self._bucket, Key=key, Body=b"delete me")
            self._try(
                name,
                what,
                sender.delete_objects,
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key}], "Quiet": True},
            )

    def _unequal_parts(self, client: Any) -> None:
        key = self._new_key()
        upload = client.create_multipart_upload(Bucket=self._bucket, Key=key)["UploadId"]
        target = {"Bucket": self._bucket, "Key": key, "UploadId": upload}
        try:
            parts = []
            for number, size in ((1, MIN_PART_SIZE + 1024**2), (2, MIN_PART_SIZE), (3, 1)):
                answer = client.upload_part(
                    **target, PartNumber=number, Body=io.BytesIO(b"p" * size)
                )
                parts.append({"ETag": answer["ETag"], "PartNumber": number})
            outcome = self._try(
                "unequal-parts",
                "a multipart upload of 6 MiB, 5 MiB and 1 byte parts",
                client.complete_multipart_upload,
                **target,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            client.abort_multipart_upload(**target)
            raise
        if isinstance(outcome, ClientError):
            client.abort_multipart_upload(**target)

    # -- plumbing ---------------------------------------------------------------------

    def _client(self, options: dict[str, str], *, content_md5: bool) -> Any:
        known: dict[str, Any] = {
            name: value for name, value in options.items() if name in Config.OPTION_DEFAULTS
        }
        config = self.storage.client_config.merge(Config(**known))
        arguments = self.storage._client_arguments(config)
        client = with_session(self.storage, lambda session: session.client("s3", **arguments))
        if content_md5:
            use_content_md5(_AsResource(client))
        return client

    def _clean(self, client: Any) -> None:
        for key in self._keys:
            with contextlib.suppress(ClientError, BotoCoreError):  # gone, or never written
                client.delete_object(Bucket=self._bucket, Key=key)


class _AsResource:
    """Lets ``use_content_md5`` (which takes a resource) hook a client."""

    def __init__(self, client: Any) -> None:
        self.meta = type("Meta", (), {"client": client})()


def _sends_nothing_refused(profile: Profile, trials: dict[str, Trial]) -> bool:
    def refused(name: str) -> bool:
        trial = trials.get(name)
        return trial is not None and trial.accepted is False

    if not profile.checksums_when_required and refused("checksums"):
        return False
    if not profile.content_md5 and profile.delete_objects and refused("delete-crc32"):
        return False
    if profile.delete_objects and refused("delete-md5") and refused("delete-crc32"):
        return False
    return not (not profile.equal_parts and refused("unequal-parts"))


def fitting_profile(storage: DetectStorage, trials: dict[str, Trial]) -> Profile | None:
    """Return the profile that sends nothing the store refused, preferring the closest.

    In order: the storage's own profile, the one its endpoint host names,
    ``s3-compatible``, then the others (``aws`` last for another store's
    endpoint, unless the storage asked for it: boto3's defaults only fit
    such a store by luck). None when none fits.
    """
    current, _ = choose(storage.provider, storage.endpoint_url)
    detected, _ = choose("auto", storage.endpoint_url)
    order = [current, detected, S3_COMPATIBLE, *PROFILES.values()]
    host = endpoint_host(storage.endpoint_url)
    if host and not AWS.serves(host) and current is not AWS:
        order = [profile for profile in order if profile is not AWS] + [AWS]
    return next((profile for profile in order if _sends_nothing_refused(profile, trials)), None)


def settings_to_paste(storage: DetectStorage, profile: Profile, trials: dict[str, Trial]) -> str:
    """Return the ``OPTIONS`` entries that select ``profile`` (and drop a refused ACL)."""
    lines = [f'"provider": "{profile.name}",']
    acl = trials.get("acl")
    if acl is not None and acl.accepted is False and storage.default_acl:
        lines.append('"default_acl": None,  # the store refuses canned ACLs')
    return "\n".join(lines)
