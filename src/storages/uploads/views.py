"""The JSON views a browser calls to upload straight to S3: sign, parts, complete, abort.

Every view answers POST only, checks the CSRF token (``X-CSRFToken``
header), reads a JSON object, and answers JSON: the result, or
``{"error": message}`` with 400 (a request or a file the rules refuse), 403
(the policy refused, or the token was signed for someone else), 409 (the
name was taken meanwhile) or 502 (S3 refused a request).

- ``sign``: ``{"field": ticket, "filename", "size", "type"}``. The policy
  decides (:mod:`storages.uploads.policy`); then a file below the field's
  ``multipart_threshold`` gets a POST policy and an upload token, a larger
  one a started multipart upload and a multipart token.
- ``parts``: ``{"token", "parts": [numbers]}``: presigned part URLs.
- ``complete``: ``{"token", "parts": [{"part_number", "etag"}]}``: the
  upload token of the assembled file.
- ``abort``: ``{"token"}``: S3 deletes the parts sent so far.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import replace
from typing import Any, ClassVar

from botocore.exceptions import ClientError
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from ..backends._s3.protocol import HTTP_FORBIDDEN, MAX_PARTS, MAX_PUT_SIZE, MIN_PART_SIZE
from .policy import Policy, configured_policy
from .rules import FileInfo, check_file, normalize_type
from .target import resolve, storage_named
from .tokens import (
    MULTIPART_MAX_AGE,
    Claim,
    TokenError,
    dump_claim,
    expires_in,
    load_claim,
    load_ticket,
    user_id,
)

__all__ = ["AbortView", "CompleteView", "PartsView", "SignView", "UploadView", "part_size_for"]

logger = logging.getLogger(__name__)

#: The most part URLs one ``parts`` request may ask for.
MAX_PARTS_PER_REQUEST = 100
#: The longest a part URL stays valid (seconds), whatever the field's ``expire``.
PART_URL_MAX_EXPIRE = 3600
#: The most bytes of JSON a view reads.
MAX_BODY = 256 * 1024


def part_size_for(size: int, wanted: int) -> int:
    """Return the part size of a file of ``size`` bytes: ``wanted``, or more for 10,000 parts."""
    least = max(MIN_PART_SIZE, math.ceil(size / MAX_PARTS))
    if wanted >= least:
        return wanted
    mib = 1024 * 1024
    return math.ceil(least / mib) * mib


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


class RefusedError(Exception):
    """A request refused with a message for the user, and an HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@method_decorator([csrf_protect, never_cache], name="dispatch")
class UploadView(View):
    """The base of the upload views: POST, CSRF, JSON in and out, errors as JSON."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    #: The upload policy; None: the ``STORAGES_UPLOAD_POLICY`` setting's, or the default.
    policy: Policy | None = None

    def post(self, request: HttpRequest) -> JsonResponse:
        if len(request.body) > MAX_BODY:
            return error("The request is too large.", 400)
        try:
            data = json.loads(request.body)
            if not isinstance(data, dict):
                raise BadRequest("not a JSON object")
            return JsonResponse(self.answer(request, data))
        except RefusedError as err:
            return error(err.message, err.status)
        except TokenError as err:
            return error(err.message, HTTP_FORBIDDEN if err.code == "other_user" else 400)
        except SuspiciousOperation:
            return error("This file name cannot be used: rename the file.", 400)
        except (ValueError, BadRequest) as err:
            return error(f"Invalid upload request: {err}", 400)
        except PermissionDenied as err:
            return error(str(err) or "You may not upload this file.", HTTP_FORBIDDEN)
        except ClientError as err:
            logger.warning("S3 refused a direct upload request: %s", err)
            return error("The storage refused the upload; try again later.", 502)

    def answer(self, request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
        """Return the JSON answer to ``data``, or raise RefusedError, TokenError, BadRequest,
        PermissionDenied."""
        raise NotImplementedError

    def claim(self, request: HttpRequest, data: dict[str, Any], *, multipart: bool) -> Claim:
        return load_claim(data.get("token"), multipart=multipart, user=user_id(request))


def _text(data: dict[str, Any], key: str, limit: int = 1024) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadRequest(f"{key} must be a non-empty string")
    return value


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if type(value) is not int or value < 0:
        raise BadRequest(f"{key} must be a whole number >= 0")
    return value


class SignView(UploadView):
    """Sign the upload of one file: a POST policy, or the start of a multipart upload."""

    def answer(self, request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
        field_rules = load_ticket(data.get("field"))
        kind = data.get("type")
        file = FileInfo(
            _text(data, "filename"),
            _count(data, "size"),
            normalize_type(kind if isinstance(kind, str) else None),
        )
        policy = self.policy or configured_policy()
        rules = policy(request, field_rules, file)
        problem = check_file(rules, file)
        if problem is not None:
            raise RefusedError(problem)
        target = resolve(rules)
        name = target.name_for(file.filename)
        claim = Claim(
            field=field_rules.digest(),
            storage=rules.storage,
            name=name,
            content_type=file.content_type,
            min_size=rules.min_size,
            max_size=rules.max_size,
            user=user_id(request),
            expires=expires_in(rules.expire),
            lifetime=rules.expire,
        )
        storage = target.storage
        if file.size < min(rules.multipart_threshold, MAX_PUT_SIZE + 1):
            post = storage.presigned_post(
                name,
                content_type=file.content_type,
                max_size=rules.max_size,
                min_size=rules.min_size,
                expire=rules.expire,
                max_length=target.max_length,
            )
            token = dump_claim(replace(claim, name=post["name"]))
            return {
                "method": "post",
                "url": post["url"],
                "fields": post["fields"],
                "name": post["name"],
                "token": token,
            }
        part_size = part_size_for(file.size, rules.part_size)
        started = storage.start_multipart_upload(
            name, content_type=file.content_type, max_length=target.max_length
        )
        claim = replace(
            claim,
            name=started["name"],
            upload_id=started["upload_id"],
            part_size=part_size,
            size=file.size,
            expires=expires_in(MULTIPART_MAX_AGE),
        )
        return {
            "method": "multipart",
            "name": started["name"],
            "token": dump_claim(claim),
            "part_size": part_size,
            "parts": max(1, math.ceil(file.size / part_size)),
        }


class PartsView(UploadView):
    """Presign URLs for parts of a multipart upload."""

    def answer(self, request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
        claim = self.claim(request, data, multipart=True)
        numbers = data.get("parts")
        count = max(1, math.ceil(claim.size / claim.part_size))
        if (
            not isinstance(numbers, list)
            or not 0 < len(numbers) <= MAX_PARTS_PER_REQUEST
            or any(type(number) is not int or not 1 <= number <= count for number in numbers)
        ):
            raise BadRequest(f"parts must list up to {MAX_PARTS_PER_REQUEST} of 1..{count}")
        assert claim.upload_id is not None
        expire = max(1, min(claim.lifetime, PART_URL_MAX_EXPIRE, claim.expires - int(time.time())))
        urls = storage_named(claim.storage).presigned_upload_parts(
            claim.name, claim.upload_id, numbers, expire=expire
        )
        return {"urls": {str(number): url for number, url in urls.items()}}


class CompleteView(UploadView):
    """Complete a multipart upload; answer the upload token the form submits."""

    def answer(self, request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
        claim = self.claim(request, data, multipart=True)
        parts = data.get("parts")
        if not isinstance(parts, list) or not 0 < len(parts) <= MAX_PARTS:
            raise BadRequest("parts must list the uploaded parts")
        assert claim.upload_id is not None
        storage = storage_named(claim.storage)
        try:
            name = storage.complete_multipart_upload(
                claim.name, claim.upload_id, parts, max_size=claim.max_size
            )
        except FileNotFoundError as err:
            raise RefusedError(
                "The upload was cancelled or has expired: upload the file again."
            ) from err
        except FileExistsError as err:
            raise RefusedError(
                "Another file took this name meanwhile: upload it again.", 409
            ) from err
        except ValueError as err:  # over max_size (the upload was aborted), or malformed parts
            raise RefusedError(str(err)) from err
        done = replace(
            claim,
            name=name,
            upload_id=None,
            part_size=0,
            size=0,
            expires=expires_in(claim.lifetime),
        )
        return {"name": name, "token": dump_claim(done)}


class AbortView(UploadView):
    """Abort a multipart upload: S3 deletes the parts sent so far."""

    def answer(self, request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
        claim = self.claim(request, data, multipart=True)
        assert claim.upload_id is not None
        storage_named(claim.storage).abort_multipart_upload(claim.name, claim.upload_id)
        return {"aborted": True}
