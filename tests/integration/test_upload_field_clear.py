"""DirectUploadField on an optional model field: the current file, and the *Clear* checkbox.

As with Django's ``ClearableFileInput``: the checkbox, checked, empties the
model's file field; checked with a new upload (a token, or a file sent
without JavaScript), it is Django's contradiction error.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import SimpleTestCase
from test_upload_field import Document, DocumentForm, error_of, request_of, signed_upload

from helpers import send
from storages.uploads.fields import DirectUploadField, DirectUploadFormMixin
from uploads_site import media_storage

pytestmark = pytest.mark.integration


@pytest.fixture
def media(s3_server, bucket_name):
    """The default storage on this test's bucket (see uploads_site.media_storage)."""
    with media_storage(s3_server, bucket_name) as storage:
        yield storage


def assert_html(html, expected):
    """Compare two pieces of HTML as Django's test cases do (attributes in any order)."""
    SimpleTestCase().assertHTMLEqual(html, expected)


class Attachment(models.Model):
    """A record whose file is optional (``blank=True``): its form may clear it."""

    file = models.FileField(upload_to="docs/", blank=True)

    class Meta:
        app_label = "storages_uploads"


class AttachmentForm(DirectUploadFormMixin, forms.ModelForm):
    file = DirectUploadField(
        upload_to="docs", max_size=100, content_types=["text/"], required=False
    )

    class Meta:
        model = Attachment
        fields = ("file",)


CONTRADICTION = (
    "contradiction",
    "Please either submit a file or check the clear checkbox, not both.",
)


def with_file(media, model=Attachment, **fields):
    """A record whose file is stored in S3 as ``docs/current.txt``."""
    return model(file=media.save("docs/current.txt", ContentFile(b"current")), **fields)


def current_file(html):
    """Return the rendered "Currently" part of the widget, with its link's href as HREF."""
    match = re.search(r'<span class="direct-upload-current">.*?</span>\s*(?=<span)', html, re.S)
    assert match is not None, html
    href = re.search(r'href="([^"]+)"', match.group()).group(1)
    return href.replace("&amp;", "&"), match.group().replace(href, "HREF")


def test_an_optional_field_shows_the_current_file_with_a_clear_checkbox(media):
    form = AttachmentForm(instance=with_file(media), request=request_of())
    html = str(form["file"])
    href, shown = current_file(html)
    assert_html(
        shown,
        '<span class="direct-upload-current">Currently: <a href="HREF">docs/current.txt</a> '
        '<span class="direct-upload-clear"><input type="checkbox" name="file-clear" '
        'id="file-clear_id" data-direct-upload-clear> <label for="file-clear_id">Clear</label>'
        "</span></span>",
    )
    assert send(href, "GET", b"")[::2] == (200, b"current")  # the link opens the file
    assert '<span class="direct-upload-change">Change:</span>' in html


def test_a_required_field_shows_the_current_file_without_the_checkbox(media):
    form = DocumentForm(instance=with_file(media, Document, title="t"), request=request_of())
    html = str(form["file"])
    assert_html(
        current_file(html)[1],
        '<span class="direct-upload-current">Currently: <a href="HREF">docs/current.txt</a></span>',
    )
    assert "file-clear" not in html


def test_no_current_file_nothing_to_clear(media):
    html = str(AttachmentForm(request=request_of())["file"])
    assert "Currently" not in html
    assert "file-clear" not in html


def test_clear_empties_the_model_field(media):
    # What the browser sends with or without JavaScript: the checkbox, no token, no file.
    attachment = with_file(media)
    form = AttachmentForm({"file-clear": "on"}, {}, instance=attachment, request=request_of())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["file"] is False
    assert form.has_changed()
    assert form.save(commit=False).file.name == ""


def test_without_clear_or_upload_the_current_file_stays(media):
    attachment = with_file(media)
    form = AttachmentForm({}, {}, instance=attachment, request=request_of())
    assert form.is_valid(), form.errors
    assert form.save(commit=False).file.name == "docs/current.txt"


def test_clear_and_an_upload_token_contradict_each_other(media):
    signed = signed_upload(AttachmentForm)
    data = {"file_token": signed["token"], "file-clear": "on"}
    form = AttachmentForm(data, {}, instance=with_file(media), request=request_of())
    assert error_of(form) == CONTRADICTION
    # Shown again, the form offers the current file; Django 5 and later keep the box checked.
    checkbox = re.search(r'<input type="checkbox"[^>]*>', str(form["file"])).group()
    assert ("checked" in checkbox) is hasattr(forms.ClearableFileInput, "checked")


def test_clear_and_a_file_sent_without_javascript_contradict_each_other(media):
    file = SimpleUploadedFile("a.txt", b"plain", content_type="text/plain")
    form = AttachmentForm(
        {"file-clear": "on"}, {"file": file}, instance=with_file(media), request=request_of()
    )
    assert error_of(form) == CONTRADICTION


def test_a_required_field_ignores_a_clear_sent_anyway(media):
    document = with_file(media, Document, title="t")
    form = DocumentForm({"title": "t", "file-clear": "on"}, {}, instance=document)
    form.fields["file"].request = request_of()
    assert form.is_valid(), form.errors
    assert form.save(commit=False).file.name == "docs/current.txt"


def test_the_admin_offers_to_clear_an_optional_file(media):
    from django.contrib import admin

    from storages.uploads.admin import DirectUploadAdminMixin

    class AttachmentAdmin(DirectUploadAdminMixin, admin.ModelAdmin):
        pass

    request = request_of()
    form_class = AttachmentAdmin(Attachment, admin.AdminSite()).get_form(request)
    attachment = with_file(media)
    assert 'name="file-clear"' in str(form_class(instance=attachment)["file"])
    form = form_class({"file-clear": "on"}, {}, instance=attachment)
    assert form.is_valid(), form.errors
    assert form.save(commit=False).file.name == ""
