"""The direct upload widget: a file input that the shipped script turns into an upload to S3.

With JavaScript, ``storages/uploads/uploads.js`` sends the chosen file
straight to S3 through the upload views, shows its progress, and leaves
only the upload token for the form to submit (the file input loses its
``name``). Without JavaScript the file input is a plain one, and the file
goes through Django as any upload does.

Like Django's ``ClearableFileInput``, whose behaviour it reuses, it shows
the current file as a link and, when the field is optional, a *Clear*
checkbox: checked, the field cleans to ``False`` and a ``ModelForm`` empties
the model's file field; checked together with a new upload (a token or a
file), the field reports Django's contradiction error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from .rules import UploadRules
from .tokens import dump_ticket

__all__ = ["TOKEN_SUFFIX", "DirectUploadWidget"]

#: The token's form field is the file field's name plus this suffix.
TOKEN_SUFFIX = "_token"  # noqa: S105 - a field name, not a secret


class _TokenOrFileInput(forms.FileInput):
    """A file input whose value is the submitted upload token, else the file sent."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        """Return the submitted upload token, else the file sent without JavaScript."""
        token = data.get(name + TOKEN_SUFFIX)
        if isinstance(token, str) and token:
            return token
        return files.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in files and name + TOKEN_SUFFIX not in data


class DirectUploadWidget(forms.ClearableFileInput, _TokenOrFileInput):
    """A file input with a progress bar, uploading straight to S3 when JavaScript runs.

    ``concurrency`` is how many parts of a multipart upload go up at once.
    ``url_namespace`` is the namespace the upload views were included under.
    The current file, the *Clear* checkbox (``<name>-clear``, for an optional
    field) and their labels are ``ClearableFileInput``'s.
    """

    template_name = "storages/uploads/widget.html"

    class Media:
        js = ("storages/uploads/uploads.js",)
        css = {"all": ("storages/uploads/uploads.css",)}  # noqa: RUF012 - Django reads it

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        *,
        concurrency: int = 4,
        url_namespace: str = "storages_uploads",
    ) -> None:
        super().__init__(attrs)
        self.concurrency = concurrency
        self.url_namespace = url_namespace
        #: The field's rules; DirectUploadField sets them.
        self.rules = UploadRules()

    def format_value(self, value: Any) -> Any:
        """Keep an upload token (a form shown again after an error), or the current file."""
        if isinstance(value, str):
            return value or None
        return super().format_value(value)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        """Return the upload token, else the file; ``False`` to clear; Django's contradiction.

        ``ClearableFileInput`` reads the *Clear* checkbox around the token or
        file that ``_TokenOrFileInput`` finds.
        """
        return super().value_from_datadict(data, files, name)

    def use_required_attribute(self, initial: Any) -> bool:
        # The chosen file leaves the form once uploaded; the token stands for it.
        return False

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        accept = [kind + "*" if kind.endswith("/") else kind for kind in self.rules.content_types]
        if accept:
            widget["attrs"].setdefault("accept", ",".join(accept))
        urls = {
            view: reverse(f"{self.url_namespace}:{view}")
            for view in ("sign", "parts", "complete", "abort")
        }
        token = widget["value"] if isinstance(widget["value"], str) else ""
        widget.update(
            token=token,
            token_name=name + TOKEN_SUFFIX,
            ticket=dump_ticket(self.rules),
            urls=urls,
            concurrency=self.concurrency,
        )
        return context
