"""What a direct upload may be: the rules of a form field, and the file a browser asks to send.

A :class:`~storages.uploads.fields.DirectUploadField` carries its
:class:`UploadRules`; the sign view hands them, with the :class:`FileInfo`
the browser sent, to the upload policy (:mod:`storages.uploads.policy`),
which may narrow them or refuse; :func:`check_file` then holds the file to
the rules that came back. The same check runs again on the object S3 holds
when the form is cleaned.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from django.template.defaultfilters import filesizeformat

from ..backends._s3.protocol import MIN_PART_SIZE

__all__ = [
    "ACTIVE_CONTENT_TYPES",
    "DEFAULT_CONTENT_TYPE",
    "FileInfo",
    "UploadRules",
    "check_file",
    "check_size",
    "check_type",
    "normalize_type",
]

#: Types a browser renders as a page, running its scripts when the file is
#: opened from a domain it trusts. Refused unless a rule names them exactly.
ACTIVE_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/xsl",
        "application/xslt+xml",
    }
)

#: What a file of no declared type is stored as (browsers then download it).
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class UploadRules:
    """Where a direct upload goes and what it may be.

    ``storage`` is a ``STORAGES`` alias, or ``"app_label.Model.field"`` to
    use that model field's storage (and its ``upload_to`` and ``max_length``
    unless given here). ``upload_to`` is the directory files go to
    (``strftime`` formats allowed, as a ``FileField``'s). Sizes are in
    bytes. ``content_types`` lists the accepted types, exact
    (``"application/pdf"``) or by prefix (``"image/"``); empty accepts any
    type but the active ones (:data:`ACTIVE_CONTENT_TYPES`), which are
    accepted only when named exactly. Files of ``multipart_threshold``
    bytes or more go up in parts of ``part_size`` bytes; ``expire`` is the
    lifetime, in seconds, of the signatures and of the token the form
    submits.
    """

    storage: str = "default"
    upload_to: str = ""
    max_size: int | None = None
    min_size: int = 0
    content_types: tuple[str, ...] = ()
    max_length: int | None = None
    multipart_threshold: int = 64 * 1024 * 1024
    part_size: int = 8 * 1024 * 1024
    expire: int = 3600

    def __post_init__(self) -> None:
        sizes = (self.min_size, self.multipart_threshold, self.part_size, self.expire)
        if any(type(value) is not int or value < 0 for value in sizes):
            raise ValueError(f"Sizes and expire are whole numbers >= 0: {self!r}.")
        if self.max_size is not None and not 0 <= self.min_size <= self.max_size:
            raise ValueError(f"0 <= min_size <= max_size, not {self.min_size}, {self.max_size}.")
        if self.part_size < MIN_PART_SIZE:
            raise ValueError(
                f"part_size must be at least {MIN_PART_SIZE} bytes (S3's 5 MiB), "
                f"not {self.part_size}."
            )
        if self.expire == 0:
            raise ValueError("expire must be at least 1 second.")
        object.__setattr__(self, "content_types", tuple(self.content_types))

    def digest(self) -> str:
        """Return a short digest that tells these rules apart (tokens name their field by it)."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FileInfo:
    """The file a browser asks to upload: its name, size in bytes and declared type."""

    filename: str
    size: int
    content_type: str


def normalize_type(content_type: str | None) -> str:
    """Return the bare, lowercase media type (no parameters); the default for none."""
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    return bare or DEFAULT_CONTENT_TYPE


def check_type(rules: UploadRules, content_type: str) -> str | None:
    """Return why ``content_type`` is refused by ``rules``, or None if it is accepted."""
    kind = normalize_type(content_type)
    if kind in ACTIVE_CONTENT_TYPES:
        if kind in rules.content_types:
            return None
        return (
            f"Files of type {kind} are not accepted: a browser would run them as a page. "
            "Upload another kind of file."
        )
    accepted = rules.content_types
    if not accepted or any(
        kind == allowed or (allowed.endswith("/") and kind.startswith(allowed))
        for allowed in accepted
    ):
        return None
    listed = ", ".join(allowed + "*" if allowed.endswith("/") else allowed for allowed in accepted)
    return f"Files of type {kind} are not accepted (accepted: {listed})."


def check_size(rules: UploadRules, size: int) -> str | None:
    """Return why a file of ``size`` bytes is refused by ``rules``, or None."""
    if rules.max_size is not None and size > rules.max_size:
        return (
            f"The file is {filesizeformat(size)}; the largest accepted is "
            f"{filesizeformat(rules.max_size)}."
        )
    if size < rules.min_size:
        return (
            f"The file is {filesizeformat(size)}; the smallest accepted is "
            f"{filesizeformat(rules.min_size)}."
        )
    return None


def check_file(rules: UploadRules, file: FileInfo) -> str | None:
    """Return why ``file`` is refused by ``rules`` (its type, then its size), or None."""
    return check_type(rules, file.content_type) or check_size(rules, file.size)
