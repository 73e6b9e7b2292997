"""Direct uploads in the Django admin: ``class DocumentAdmin(DirectUploadAdminMixin, ModelAdmin)``.

The mixin gives each ``FileField`` of the model (or those named in
``direct_upload_fields``) a :class:`~storages.uploads.fields.DirectUploadField`
on the model field's own storage, ``upload_to`` and ``max_length``, bound to
the admin's request. The project must include ``storages.uploads.urls``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.http import HttpRequest
from django.utils.text import capfirst

from .fields import DirectUploadField

__all__ = ["DirectUploadAdminMixin"]


class DirectUploadAdminMixin:
    """Upload the model's files straight to S3 from the admin's forms.

    ``direct_upload_fields`` maps a field's name to the keywords of its
    ``DirectUploadField`` (``max_size``, ``content_types``, ``upload_to``
    for a callable one...); empty, every ``FileField`` is a direct upload
    with no further limit.
    """

    direct_upload_fields: dict[str, dict[str, Any]] = {}  # noqa: RUF012 - read only

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        chosen = self.direct_upload_fields
        if isinstance(db_field, models.FileField) and (not chosen or db_field.name in chosen):
            opts = db_field.model._meta
            options = {
                "storage": f"{opts.app_label}.{opts.object_name}.{db_field.name}",
                "required": not db_field.blank,
                "label": capfirst(db_field.verbose_name),
                "help_text": db_field.help_text,
                **chosen.get(db_field.name, {}),
            }
            field = DirectUploadField(**options)
            field.request = request  # the admin builds its form class for each request
            return field
        formfield: forms.Field | None = super().formfield_for_dbfield(  # type: ignore[misc]
            db_field, request, **kwargs
        )
        return formfield
