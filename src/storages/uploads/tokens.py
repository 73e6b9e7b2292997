"""Signed tokens: what the browser carries between the views and the form, unable to change it.

Three kinds, each signed by :mod:`django.core.signing` (HMAC with
``SECRET_KEY``) under a salt of its own, so that one is never accepted as
another:

- a field **ticket**, rendered into the widget: the field's
  :class:`~storages.uploads.rules.UploadRules`. The sign view trusts the
  rules in it, never limits the browser sends;
- an **upload** token, handed out with a POST policy or when a multipart
  upload completes, and submitted with the form: the storage, the name, the
  accepted type and sizes, the user, the field (the digest of its rules) and
  the expiry;
- a **multipart** token, for the part, complete and abort views: the same,
  plus the upload id, the part size and the announced file size.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.core import signing
from django.http import HttpRequest

from .rules import UploadRules

__all__ = [
    "MULTIPART_MAX_AGE",
    "TICKET_MAX_AGE",
    "Claim",
    "TokenError",
    "dump_claim",
    "dump_ticket",
    "expires_in",
    "load_claim",
    "load_ticket",
    "user_id",
]

TICKET_SALT = "storages.uploads.ticket"
UPLOAD_SALT = "storages.uploads.upload"
MULTIPART_SALT = "storages.uploads.multipart"

#: How long a rendered form may sign uploads (seconds): a day.
TICKET_MAX_AGE = 24 * 3600
#: How long a multipart upload may take, from its start to its completion: a
#: day, as long as the lifecycle rule the docs suggest waits before removing it.
MULTIPART_MAX_AGE = 24 * 3600


class TokenError(ValueError):
    """A token was refused; ``code`` says why: invalid, expired, other_user or other_field."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def user_id(request: HttpRequest) -> str | None:
    """Return the primary key of the request's user, as text; None for an anonymous one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return str(user.pk)


@dataclass(frozen=True)
class Claim:
    """What an upload or multipart token says. ``upload_id`` is set for a multipart one."""

    field: str
    storage: str
    name: str
    content_type: str
    min_size: int
    max_size: int | None
    user: str | None
    expires: int
    #: The field's ``expire``: the lifetime of the signatures and of the upload token.
    lifetime: int
    upload_id: str | None = None
    part_size: int = 0
    size: int = 0

    @property
    def multipart(self) -> bool:
        """True for the token of a multipart upload still in progress."""
        return self.upload_id is not None


def dump_ticket(rules: UploadRules) -> str:
    """Return the field ticket of ``rules``."""
    return signing.dumps(asdict(rules), salt=TICKET_SALT, compress=True)


def load_ticket(ticket: object) -> UploadRules:
    """Return the rules of a field ticket; raise TokenError if it is not one of ours."""
    try:
        if not isinstance(ticket, str):
            raise signing.BadSignature("not text")
        data = signing.loads(ticket, salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
        return UploadRules(**data)
    except signing.SignatureExpired as err:
        raise TokenError("expired", "This form is too old to upload: reload the page.") from err
    except (signing.BadSignature, TypeError, ValueError) as err:
        raise TokenError("invalid", "This form's upload settings are invalid.") from err


def dump_claim(claim: Claim) -> str:
    """Return the upload token (or the multipart token) of ``claim``."""
    salt = MULTIPART_SALT if claim.multipart else UPLOAD_SALT
    return signing.dumps(asdict(claim), salt=salt, compress=True)


def expires_in(seconds: int) -> int:
    """Return the time, in whole seconds since the epoch, ``seconds`` from now."""
    return int(time.time()) + seconds


def load_claim(token: object, *, multipart: bool, user: str | None) -> Claim:
    """Return the claim of an upload (or multipart) token signed for ``user``.

    Raises TokenError: ``invalid`` for anything but such a token, untouched;
    ``expired`` past its expiry; ``other_user`` when it was signed for
    someone else.
    """
    salt = MULTIPART_SALT if multipart else UPLOAD_SALT
    try:
        if not isinstance(token, str):
            raise signing.BadSignature("not text")
        data: Any = signing.loads(token, salt=salt)
        names = {field.name for field in fields(Claim)}
        if not isinstance(data, dict) or set(data) != names:
            raise signing.BadSignature("not a claim")
        claim = Claim(**data)
    except signing.BadSignature as err:
        raise TokenError(
            "invalid", "The upload could not be verified: upload the file again."
        ) from err
    if claim.multipart != multipart:
        raise TokenError("invalid", "The upload could not be verified: upload the file again.")
    if claim.expires < time.time():
        raise TokenError("expired", "The upload has expired: upload the file again.")
    if claim.user != user:
        raise TokenError("other_user", "This upload was made by someone else.")
    return claim
