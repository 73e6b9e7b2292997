"""The direct upload views on SeaweedFS: CSRF, who may upload, the policy hook, each step.

Requests come through RequestFactory with the CSRF cookie and header the
widget's script sends; the S3 requests go over plain HTTP, as a browser's.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from helpers import post_form
from storages.uploads.rules import UploadRules
from storages.uploads.tokens import dump_ticket, load_claim
from uploads_site import call, media_storage, upload_parts, user

pytestmark = pytest.mark.integration

MIB = 1024 * 1024


@pytest.fixture
def media(s3_server, bucket_name):
    """The default storage on this test's bucket, under ``media/``, signing with SigV4."""
    with media_storage(s3_server, bucket_name) as storage:
        yield storage


def keys(s3_client, bucket_name) -> list[str]:
    listing = s3_client.list_objects_v2(Bucket=bucket_name)
    return [entry["Key"] for entry in listing.get("Contents", [])]


def sign(rules: UploadRules | None = None, size: int = 5, kind: str = "text/plain", **kwargs):
    data = {
        "field": dump_ticket(rules or UploadRules(upload_to="docs")),
        "filename": "notes 1.txt",
        "size": size,
        "type": kind,
    }
    return call("sign", data, **kwargs)


def test_sign_needs_the_csrf_token(media):
    status, body = sign(csrf=False)
    assert status == 403
    assert b"CSRF" in body


def test_sign_refuses_anonymous_users_by_default(media):
    assert sign(who=AnonymousUser()) == (403, {"error": "Log in to upload files."})


def test_views_answer_post_only(media):
    from django.test import RequestFactory

    from storages.uploads.views import SignView

    assert SignView.as_view()(RequestFactory().get("/uploads/sign/")).status_code == 405


def test_signed_post_stores_the_file_and_its_token_names_it(media, s3_client, bucket_name):
    status, signed = sign()
    assert status == 200
    assert signed["method"] == "post"
    assert re.fullmatch(r"docs/notes_1_[A-Za-z0-9]{7}\.txt", signed["name"])
    assert post_form(signed["url"], signed["fields"], b"hello")[0] == 204
    assert keys(s3_client, bucket_name) == [f"media/{signed['name']}"]
    claim = load_claim(signed["token"], multipart=False, user="1")
    assert (claim.name, claim.content_type, claim.user) == (signed["name"], "text/plain", "1")
    assert claim.field == UploadRules(upload_to="docs").digest()


def test_the_post_policy_holds_the_file_to_the_rules(media, s3_client, bucket_name):
    status, signed = sign(UploadRules(max_size=10), size=10)
    assert status == 200
    assert post_form(signed["url"], signed["fields"], b"x" * 11)[0] == 400  # EntityTooLarge
    assert keys(s3_client, bucket_name) == []


@pytest.mark.parametrize(
    ("rules", "size", "kind", "message"),
    [
        (UploadRules(max_size=4), 5, "text/plain", "The file is 5\xa0bytes; the largest"),
        (UploadRules(min_size=9), 5, "text/plain", "The file is 5\xa0bytes; the smallest"),
        (UploadRules(content_types=("image/",)), 5, "text/plain", "Files of type text/plain"),
        (UploadRules(), 5, "text/html", "Files of type text/html are not accepted: a browser"),
        (UploadRules(), 5, "image/svg+xml; charset=x", "Files of type image/svg+xml"),
    ],
)
def test_sign_refuses_files_outside_the_rules(media, rules, size, kind, message):
    status, body = sign(rules, size=size, kind=kind)
    assert status == 400
    assert body["error"].startswith(message)


def test_active_content_is_accepted_when_the_rules_name_it(media):
    status, signed = sign(UploadRules(content_types=("image/svg+xml",)), kind="image/svg+xml")
    assert status == 200
    assert signed["fields"]["Content-Type"] == "image/svg+xml"


def test_a_tampered_field_ticket_is_refused(media):
    ticket = dump_ticket(UploadRules(max_size=10))
    status, body = call(
        "sign", {"field": ticket[:-2] + "xx", "filename": "a", "size": 1, "type": ""}
    )
    assert (status, body) == (400, {"error": "This form's upload settings are invalid."})


@pytest.mark.parametrize("body", [[], {"field": "x"}, {"filename": "a", "size": -1}])
def test_malformed_requests_are_refused(media, body):
    status, answer = call("sign", body)
    assert status == 400
    assert "error" in answer


def refuse_all(request, rules, file):
    raise PermissionDenied(f"No uploads of {file.filename} today.")


def one_mib_in_own_folder(request, rules, file):
    return replace(rules, max_size=MIB, upload_to=f"users/{request.user.pk}")


def test_the_policy_may_refuse(media):
    assert sign(policy=refuse_all) == (403, {"error": "No uploads of notes 1.txt today."})


def test_the_policy_may_narrow_the_rules(media):
    status, body = sign(size=MIB + 1, policy=one_mib_in_own_folder)
    assert status == 400
    assert body["error"].startswith("The file is 1.0\xa0MB; the largest accepted is 1.0\xa0MB")
    status, signed = sign(size=MIB, policy=one_mib_in_own_folder)
    assert status == 200
    assert signed["name"].startswith("users/1/notes_1_")


def test_the_policy_setting_names_the_policy(media):
    with override_settings(STORAGES_UPLOAD_POLICY=f"{__name__}.refuse_all"):
        assert sign()[0] == 403
    with override_settings(STORAGES_UPLOAD_POLICY=f"{__name__}.one_mib_in_own_folder"):
        assert sign(who=user(7))[1]["name"].startswith("users/7/")


def test_multipart_upload_through_the_views(media, s3_client, bucket_name):
    rules = UploadRules(multipart_threshold=6 * MIB, part_size=5 * MIB, max_size=20 * MIB)
    data = os.urandom(11 * MIB)
    status, signed = sign(rules, size=len(data), kind="application/octet-stream")
    assert status == 200
    assert (signed["method"], signed["part_size"], signed["parts"]) == ("multipart", 5 * MIB, 3)
    status, answer = call("parts", {"token": signed["token"], "parts": [1, 2, 3]})
    assert status == 200
    parts = upload_parts(answer["urls"], data, 5 * MIB)

    status, done = call("complete", {"token": signed["token"], "parts": parts})

    assert status == 200
    assert done["name"] == signed["name"]
    claim = load_claim(done["token"], multipart=False, user="1")
    assert (claim.name, claim.upload_id) == (signed["name"], None)
    assert media.open(done["name"]).read() == data


def test_parts_outside_the_file_are_refused(media):
    rules = UploadRules(multipart_threshold=6 * MIB, part_size=5 * MIB)
    signed = sign(rules, size=11 * MIB)[1]
    for parts in ([4], [0], [], ["1"], list(range(1, 102))):
        status, _ = call("parts", {"token": signed["token"], "parts": parts})
        assert status == 400, parts


def test_multipart_over_max_size_is_aborted_at_completion(media, s3_client, bucket_name):
    rules = UploadRules(multipart_threshold=5 * MIB, part_size=5 * MIB, max_size=6 * MIB)
    signed = sign(rules, size=6 * MIB)[1]  # announced within the limit...
    urls = call("parts", {"token": signed["token"], "parts": [1, 2]})[1]["urls"]
    parts = upload_parts(urls, os.urandom(10 * MIB), rules.part_size)  # ...sent over it

    status, body = call("complete", {"token": signed["token"], "parts": parts})

    assert status == 400
    assert "over max_size=6291456: the upload was aborted" in body["error"]
    assert s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", []) == []
    assert keys(s3_client, bucket_name) == []


def test_abort_leaves_nothing(media, s3_client, bucket_name):
    signed = sign(UploadRules(multipart_threshold=0), size=MIB)[1]
    urls = call("parts", {"token": signed["token"], "parts": [1]})[1]["urls"]
    upload_parts(urls, os.urandom(MIB), 8 * MIB)

    assert call("abort", {"token": signed["token"]}) == (200, {"aborted": True})
    assert call("abort", {"token": signed["token"]}) == (200, {"aborted": True})  # again

    assert s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", []) == []
    assert keys(s3_client, bucket_name) == []
    status, body = call(
        "complete", {"token": signed["token"], "parts": [{"part_number": 1, "etag": "x"}]}
    )
    assert status == 400
    assert body["error"].startswith("The upload was cancelled or has expired")


@pytest.mark.parametrize("view", ["parts", "complete", "abort"])
def test_multipart_tokens_belong_to_their_user(media, view):
    signed = sign(UploadRules(multipart_threshold=0), size=MIB)[1]
    data = {"token": signed["token"], "parts": [1]}
    status, body = call(view, data, who=user(2))
    assert (status, body) == (403, {"error": "This upload was made by someone else."})
    status, body = call(view, data, who=AnonymousUser())
    assert status == 403
    call("abort", {"token": signed["token"]})


def test_an_upload_token_is_not_a_multipart_token(media):
    signed = sign()[1]
    status, body = call("abort", {"token": signed["token"]})
    assert status == 400
    assert body["error"] == "The upload could not be verified: upload the file again."
