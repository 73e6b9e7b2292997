"""DirectUploadField.clean() on SeaweedFS: a token is a file only once S3 holds it, as signed.

Every misuse of a token is a form error, never a name on the record: a
token of another user, another field, another key (nothing uploaded there),
expired, tampered with, or of another kind.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import RequestFactory

from helpers import post_form
from storages.uploads.fields import DirectUploadField, DirectUploadFormMixin
from storages.uploads.tokens import dump_claim, load_claim
from uploads_site import call, media_storage, upload_parts, user

pytestmark = pytest.mark.integration


class Document(models.Model):
    """A record with a file: only built and cleaned here, never saved."""

    title = models.CharField(max_length=20)
    file = models.FileField(upload_to="docs/")

    class Meta:
        app_label = "storages_uploads"


class DocumentForm(DirectUploadFormMixin, forms.ModelForm):
    file = DirectUploadField(upload_to="docs", max_size=100, content_types=["text/"])

    class Meta:
        model = Document
        fields = ("title", "file")


class AvatarForm(DirectUploadFormMixin, forms.Form):
    file = DirectUploadField(upload_to="avatars", max_size=100, content_types=["text/"])


@pytest.fixture
def media(s3_server, bucket_name):
    """The default storage on this test's bucket, under ``media/``, signing with SigV4."""
    with media_storage(s3_server, bucket_name) as storage:
        yield storage


def request_of(who=None):
    request = RequestFactory().post("/documents/")
    request.user = who if who is not None else user()
    return request


def signed_upload(form_class=DocumentForm, data=b"hello", who=None, send=True):
    """Sign an upload through the view as the widget does, send it to S3; return the answer."""
    field = form_class.base_fields["file"]
    ticket = field.widget.get_context("file", None, {})["widget"]["ticket"]
    status, signed = call(
        "sign",
        {"field": ticket, "filename": "a.txt", "size": len(data), "type": "text/plain"},
        who=who,
    )
    assert status == 200, signed
    if send:
        assert post_form(signed["url"], signed["fields"], data)[0] == 204
    return signed


def submit(token, form_class=DocumentForm, who=None):
    return form_class({"title": "t", "file_token": token}, {}, request=request_of(who))


def test_a_verified_upload_gives_the_model_its_name(media):
    signed = signed_upload()
    form = submit(signed["token"])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["file"] == signed["name"]
    document = form.save(commit=False)
    assert document.file.name == signed["name"]
    assert document.file.read() == b"hello"  # the name reaches the bytes; none re-uploaded


def test_a_multipart_upload_is_verified_the_same_way(media):
    form_class = type(
        "BigForm",
        (DirectUploadFormMixin, forms.Form),
        {"file": DirectUploadField(upload_to="big", multipart_threshold=1, max_size=100)},
    )
    field = form_class.base_fields["file"]
    ticket = field.widget.get_context("file", None, {})["widget"]["ticket"]
    signed = call("sign", {"field": ticket, "filename": "b.bin", "size": 9, "type": ""})[1]
    urls = call("parts", {"token": signed["token"], "parts": [1]})[1]["urls"]
    parts = upload_parts(urls, b"123456789", 8 * 1024 * 1024)
    done = call("complete", {"token": signed["token"], "parts": parts})[1]

    form = submit(done["token"], form_class)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["file"] == signed["name"]
    # The multipart token itself is no upload token.
    assert submit(signed["token"], form_class).errors["file"] == [
        "The upload could not be verified: upload the file again."
    ]


def error_of(form) -> tuple[str, str]:
    assert not form.is_valid()
    [error] = form.errors.as_data()["file"]
    return error.code, error.messages[0]


def test_a_token_of_another_user_is_refused(media):
    signed = signed_upload()
    assert error_of(submit(signed["token"], who=user(2))) == (
        "other_user",
        "This upload was made by someone else: upload the file again.",
    )
    assert error_of(submit(signed["token"], who=AnonymousUser()))[0] == "other_user"


def test_a_token_of_another_field_is_refused(media):
    signed = signed_upload(AvatarForm)
    assert error_of(submit(signed["token"])) == (
        "other_field",
        "This upload was made for another field: upload the file again.",
    )


def test_a_token_whose_key_holds_nothing_is_refused(media):
    signed = signed_upload(send=False)  # signed, then sent elsewhere, or never
    other = signed_upload()
    assert other["name"] != signed["name"]
    assert error_of(submit(signed["token"])) == (
        "not_uploaded",
        "The file was not uploaded: upload it again.",
    )


def test_an_expired_token_is_refused(media):
    signed = signed_upload()
    claim = load_claim(signed["token"], multipart=False, user="1")
    expired = dump_claim(replace(claim, expires=int(time.time()) - 1))
    assert error_of(submit(expired)) == (
        "expired",
        "The upload has expired: upload the file again.",
    )


@pytest.mark.parametrize("change", ["signature", "payload", "garbage"])
def test_a_tampered_token_is_refused(media, change):
    token = signed_upload()["token"]
    value, signature = token.rsplit(":", 1)
    tampered = {
        "signature": f"{value}:{signature[:-3]}abc",
        "payload": f"{value[:-3]}abc:{signature}",
        "garbage": "not-a-token",
    }[change]
    assert error_of(submit(tampered)) == (
        "invalid_token",
        "The upload could not be verified: upload the file again.",
    )


def test_a_stored_object_outside_the_limits_is_refused(media, s3_client, bucket_name):
    signed = signed_upload(send=False)
    key = f"media/{signed['name']}"
    s3_client.put_object(Bucket=bucket_name, Key=key, Body=b"x" * 101, ContentType="text/plain")
    assert error_of(submit(signed["token"]))[1].startswith("The file is 101\xa0bytes; the largest")
    s3_client.put_object(Bucket=bucket_name, Key=key, Body=b"x", ContentType="text/html")
    assert error_of(submit(signed["token"])) == (
        "refused",
        "The file was stored as text/html, not text/plain.",
    )


def test_without_the_request_clean_says_how_to_give_it(media):
    signed = signed_upload()
    form = DocumentForm({"title": "t", "file_token": signed["token"]}, {})
    with pytest.raises(ImproperlyConfigured, match="pass request=request"):
        form.is_valid()


def test_a_file_sent_without_javascript_is_held_to_the_rules(media):
    file = SimpleUploadedFile("a.txt", b"plain", content_type="text/plain")
    form = DocumentForm({"title": "t"}, {"file": file}, request=request_of())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["file"] is file
    big = SimpleUploadedFile("a.txt", b"x" * 101, content_type="text/plain")
    assert (
        error_of(DocumentForm({"title": "t"}, {"file": big}, request=request_of()))[0] == "refused"
    )
    page = SimpleUploadedFile("a.html", b"<p>", content_type="text/html")
    form = DocumentForm({"title": "t"}, {"file": page}, request=request_of())
    assert error_of(form)[1].startswith("Files of type text/html are not accepted")


def test_a_required_field_without_token_or_file_is_an_error(media):
    form = DocumentForm({"title": "t"}, {}, request=request_of())
    assert error_of(form)[0] == "required"


def test_a_form_shown_again_keeps_the_token(media):
    signed = signed_upload()
    form = DocumentForm({"title": "", "file_token": signed["token"]}, {}, request=request_of())
    assert not form.is_valid()
    assert "file" not in form.errors
    html = str(form["file"])
    assert f'value="{signed["token"]}"' in html
    assert "Uploaded; submit the form to keep it." in html


def test_the_admin_uploads_the_models_files_directly(media):
    from django.contrib import admin

    from storages.uploads.admin import DirectUploadAdminMixin

    class DocumentAdmin(DirectUploadAdminMixin, admin.ModelAdmin):
        direct_upload_fields = {"file": {"max_size": 100}}  # noqa: RUF012

    request = request_of()
    form_class = DocumentAdmin(Document, admin.AdminSite()).get_form(request)
    field = form_class.base_fields["file"]
    assert isinstance(field, DirectUploadField)
    assert field.rules.storage == "storages_uploads.Document.file"
    assert field.rules.max_size == 100
    assert field.request is request
    signed = signed_upload(form_class)
    assert signed["name"].startswith("docs/a_")  # the model field's upload_to

    form = form_class({"title": "t", "file_token": signed["token"]}, {})
    assert form.is_valid(), form.errors
    assert form.save(commit=False).file.name == signed["name"]
