"""The direct upload form field: it accepts an upload token, checked against what S3 holds.

``clean()`` takes the token the widget submitted and, before the form may
name the file, checks that

1. the token is ours, untouched, unexpired, signed for this request's user
   and for this field (:mod:`storages.uploads.tokens`);
2. an object exists at exactly the token's key (one HEAD request);
3. its size and type are within the limits the token carries.

It returns the storage name (a ``str``), which a ``ModelForm`` assigns to
the model's ``FileField`` as it is: nothing is uploaded again. A file sent
without JavaScript is checked against the same rules and returned as the
``UploadedFile`` Django gives any file field. On an optional field, the
widget's *Clear* checkbox cleans to ``False`` (the model's file field is
emptied), and to Django's contradiction error with a new upload.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from .rules import UploadRules, check_size, check_type, normalize_type
from .target import storage_named, stored_object
from .tokens import TokenError, load_claim, user_id
from .widgets import DirectUploadWidget

__all__ = ["DirectUploadField", "DirectUploadFormMixin"]


class DirectUploadField(forms.FileField):
    """A file field whose file goes from the browser straight to S3.

    The keywords are those of :class:`~storages.uploads.rules.UploadRules`
    (``storage``, ``upload_to``, ``max_size``, ``min_size``,
    ``content_types``, ``multipart_threshold``, ``part_size``, ``expire``),
    plus the usual ``forms.FileField`` ones; ``max_length`` limits the
    name's length. The form must give the field the request
    (:class:`DirectUploadFormMixin`) so that tokens are checked against its
    user.
    """

    widget = DirectUploadWidget
    default_error_messages = {  # noqa: RUF012 - Django merges the class attributes of the MRO
        "invalid_token": "The upload could not be verified: upload the file again.",
        "expired": "The upload has expired: upload the file again.",
        "other_user": "This upload was made by someone else: upload the file again.",
        "other_field": "This upload was made for another field: upload the file again.",
        "not_uploaded": "The file was not uploaded: upload it again.",
        "refused": "%(reason)s",
    }

    def __init__(
        self,
        *,
        storage: str = "default",
        upload_to: str = "",
        max_size: int | None = None,
        min_size: int = 0,
        content_types: Iterable[str] = (),
        multipart_threshold: int = UploadRules.multipart_threshold,
        part_size: int = UploadRules.part_size,
        expire: int = UploadRules.expire,
        max_length: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.rules = UploadRules(
            storage=storage,
            upload_to=upload_to,
            max_size=max_size,
            min_size=min_size,
            content_types=tuple(content_types),
            max_length=max_length,
            multipart_threshold=multipart_threshold,
            part_size=part_size,
            expire=expire,
        )
        super().__init__(max_length=max_length, **kwargs)
        #: The request whose user tokens must belong to (DirectUploadFormMixin sets it).
        self.request: HttpRequest | None = None
        if isinstance(self.widget, DirectUploadWidget):
            self.widget.rules = self.rules

    def to_python(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        return super().to_python(data)

    def bound_data(self, data: Any, initial: Any) -> Any:
        return data if isinstance(data, str) and data else super().bound_data(data, initial)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return bool(isinstance(data, str) and data) or super().has_changed(initial, data)

    def clean(self, data: Any, initial: Any = None) -> Any:
        """Return the storage name of a verified upload, or what ``FileField`` returns.

        That is the file sent without JavaScript, the initial file when
        nothing was sent, or ``False`` when *Clear* was checked; *Clear* with
        a token or a file raises Django's ``contradiction`` error.
        """
        if isinstance(data, str) and data and not self.disabled:
            return self.clean_token(data)
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile):
            reason = check_type(self.rules, value.content_type or "") or check_size(
                self.rules, value.size or 0
            )
            if reason is not None:
                raise ValidationError(
                    self.error_messages["refused"], code="refused", params={"reason": reason}
                )
        return value

    def clean_token(self, token: str) -> str:
        """Verify an upload token and the object S3 holds for it; return the storage name."""
        if self.request is None:
            raise ImproperlyConfigured(
                "A DirectUploadField checks that an upload belongs to the request's user: "
                "build the form with DirectUploadFormMixin and pass request=request, or set "
                "form.fields[name].request before validating."
            )
        try:
            claim = load_claim(token, multipart=False, user=user_id(self.request))
        except TokenError as err:
            code = "invalid_token" if err.code == "invalid" else err.code
            raise ValidationError(self.error_messages[code], code=code) from err
        if claim.field != self.rules.digest():
            raise ValidationError(self.error_messages["other_field"], code="other_field")
        stored = stored_object(storage_named(claim.storage), claim.name)
        if stored is None:
            raise ValidationError(self.error_messages["not_uploaded"], code="not_uploaded")
        limits = UploadRules(
            min_size=claim.min_size, max_size=claim.max_size, content_types=(claim.content_type,)
        )
        reason = check_size(limits, stored.size)
        if normalize_type(stored.content_type) != claim.content_type:
            reason = f"The file was stored as {stored.content_type}, not {claim.content_type}."
        if reason is not None:
            raise ValidationError(
                self.error_messages["refused"], code="refused", params={"reason": reason}
            )
        return claim.name


class DirectUploadFormMixin:
    """Give the form's :class:`DirectUploadField` fields the request: ``Form(request=request)``."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        for field in self.fields.values():
            if isinstance(field, DirectUploadField):
                field.request = request
