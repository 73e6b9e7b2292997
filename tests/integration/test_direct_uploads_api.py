"""Direct uploads on SeaweedFS, sent over plain HTTP as a browser sends them.

presigned_post(): a form within the policy stores the bytes; a file over or
under the size range, another key, another or missing field, or an expired
policy is refused. presigned_put(): the signed headers are enforced, and
If-None-Match keeps a taken name. Multipart: parts in parallel then
complete, abort, and the create-only completion. Names never leave the
storage's location, refused before any request.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

from helpers import post_form, send

pytestmark = pytest.mark.integration

MIB = 1024 * 1024


def error_code(body: bytes) -> str:
    """Return the ``<Code>`` of an S3 error document."""
    text = body.decode()
    return text[text.index("<Code>") + len("<Code>") : text.index("</Code>")]


def keys(s3_client, bucket_name) -> list[str]:
    listing = s3_client.list_objects_v2(Bucket=bucket_name)
    return [entry["Key"] for entry in listing.get("Contents", [])]


# -- presigned POST -----------------------------------------------------------------


@pytest.mark.parametrize("signature_version", [None, "s3v4"])
def test_post_within_the_policy_stores_the_bytes_and_parameters(
    make_storage, s3_client, bucket_name, signature_version
):
    storage = make_storage(
        signature_version=signature_version,
        location="media",
        object_parameters={"CacheControl": "max-age=60", "Metadata": {"app": "docs"}},
    )
    post = storage.presigned_post("reports/q1 sales.csv", max_size=100, metadata={"owner": "7"})

    status, body = post_form(post["url"], post["fields"], b"a,b\n1,2\n")

    assert (status, body) == (204, b"")
    name = post["name"]
    assert re.fullmatch(r"reports/q1_sales_[A-Za-z0-9]{7}\.csv", name), name
    assert keys(s3_client, bucket_name) == [f"media/{name}"]
    with storage.open(name) as file:
        assert file.read() == b"a,b\n1,2\n"
    head = s3_client.head_object(Bucket=bucket_name, Key=f"media/{name}")
    assert (head["ContentType"], head["CacheControl"], head["Metadata"]) == (
        "text/csv",
        "max-age=60",
        {"app": "docs", "owner": "7"},
    )


def test_two_posts_of_one_name_get_two_keys(make_storage):
    storage = make_storage()
    first = storage.presigned_post("a.txt")
    second = storage.presigned_post("a.txt")
    assert first["name"] != second["name"]
    assert first["fields"]["key"] != second["fields"]["key"]


def test_post_over_max_size_is_refused_with_400(make_storage, s3_client, bucket_name):
    storage = make_storage()
    post = storage.presigned_post("a.bin", max_size=10)

    status, body = post_form(post["url"], post["fields"], b"x" * 11)

    assert (status, error_code(body)) == (400, "EntityTooLarge")
    assert keys(s3_client, bucket_name) == []


def test_post_under_min_size_is_refused_with_400(make_storage, s3_client, bucket_name):
    storage = make_storage()
    post = storage.presigned_post("a.bin", min_size=5, max_size=10)

    status, body = post_form(post["url"], post["fields"], b"x" * 4)

    assert (status, error_code(body)) == (400, "EntityTooSmall")
    assert keys(s3_client, bucket_name) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("key", "elsewhere.txt"), ("Content-Type", "text/html"), ("Cache-Control", "max-age=1")],
)
def test_post_that_changes_a_pinned_field_is_refused_with_403(
    make_storage, s3_client, bucket_name, field, value
):
    storage = make_storage(object_parameters={"CacheControl": "max-age=60"})
    post = storage.presigned_post("a.txt")
    fields = {**post["fields"], field: value}

    status, body = post_form(post["url"], fields, b"hello")

    assert (status, error_code(body)) == (403, "AccessDenied")
    assert keys(s3_client, bucket_name) == []


def test_post_without_a_pinned_field_or_with_an_extra_one_is_refused(
    make_storage, s3_client, bucket_name
):
    storage = make_storage(object_parameters={"CacheControl": "max-age=60"})
    post = storage.presigned_post("a.txt")
    missing = {name: value for name, value in post["fields"].items() if name != "Cache-Control"}
    extra = {**post["fields"], "x-amz-meta-role": "admin"}

    assert post_form(post["url"], missing, b"hello")[0] == 403
    assert post_form(post["url"], extra, b"hello")[0] == 403
    assert keys(s3_client, bucket_name) == []


def test_post_with_a_type_prefix_accepts_only_types_under_it(make_storage, s3_client, bucket_name):
    storage = make_storage()
    post = storage.presigned_post("avatar", content_type="image/")
    assert "Content-Type" not in post["fields"]

    refused = post_form(post["url"], {**post["fields"], "Content-Type": "text/html"}, b"<p>")
    accepted = post_form(post["url"], {**post["fields"], "Content-Type": "image/png"}, b"png")

    assert (refused[0], accepted[0]) == (403, 204)
    head = s3_client.head_object(Bucket=bucket_name, Key=post["name"])
    assert head["ContentType"] == "image/png"


def test_expired_post_is_refused_with_403(make_storage, s3_client, bucket_name):
    storage = make_storage()
    post = storage.presigned_post("a.txt", expire=1)
    time.sleep(2.1)

    status, body = post_form(post["url"], post["fields"], b"late")

    assert (status, error_code(body)) == (403, "AccessDenied")
    assert keys(s3_client, bucket_name) == []


# -- presigned PUT ------------------------------------------------------------------


def test_put_with_the_signed_headers_stores_the_bytes(make_storage, s3_client, bucket_name):
    storage = make_storage(
        signature_version="s3v4", location="media", object_parameters={"CacheControl": "no-cache"}
    )
    put = storage.presigned_put("notes.txt", metadata={"owner": "7"})
    assert put["headers"] == {
        "Cache-Control": "no-cache",
        "Content-Type": "text/plain",
        "x-amz-meta-owner": "7",
    }

    status, _, _ = send(put["url"], "PUT", b"hello", put["headers"])

    assert status == 200
    assert storage.open(put["name"]).read() == b"hello"
    head = s3_client.head_object(Bucket=bucket_name, Key=f"media/{put['name']}")
    assert (head["ContentType"], head["CacheControl"], head["Metadata"]) == (
        "text/plain",
        "no-cache",
        {"owner": "7"},
    )


@pytest.mark.parametrize(
    "change",
    [
        {"Content-Type": "text/html"},
        {"Cache-Control": "max-age=31536000"},
        {"x-amz-meta-owner": "8"},
    ],
)
def test_put_with_other_headers_is_refused_with_403(make_storage, s3_client, bucket_name, change):
    storage = make_storage(signature_version="s3v4", object_parameters={"CacheControl": "no-cache"})
    put = storage.presigned_put("notes.txt", metadata={"owner": "7"})

    status, _, body = send(put["url"], "PUT", b"<script>", {**put["headers"], **change})

    assert (status, error_code(body)) == (403, "SignatureDoesNotMatch")
    assert keys(s3_client, bucket_name) == []


def test_put_onto_a_taken_name_is_refused_with_412_when_not_overwriting(
    make_storage, s3_client, bucket_name
):
    storage = make_storage(signature_version="s3v4", file_overwrite=False)
    put = storage.presigned_put("a.txt")
    assert put["headers"]["If-None-Match"] == "*"
    assert send(put["url"], "PUT", b"first", put["headers"])[0] == 200

    status, _, body = send(put["url"], "PUT", b"second", put["headers"])
    without = {name: value for name, value in put["headers"].items() if name != "If-None-Match"}
    unsigned_status = send(put["url"], "PUT", b"third", without)[0]

    assert (status, error_code(body), unsigned_status) == (412, "PreconditionFailed", 403)
    assert storage.open(put["name"]).read() == b"first"
    assert keys(s3_client, bucket_name) == [put["name"]]


def test_put_may_replace_its_object_when_overwriting(make_storage):
    storage = make_storage(signature_version="s3v4", file_overwrite=True)
    put = storage.presigned_put("a.txt")
    assert "If-None-Match" not in put["headers"]

    statuses = [send(put["url"], "PUT", body, put["headers"])[0] for body in (b"1", b"2")]

    assert statuses == [200, 200]
    assert storage.open(put["name"]).read() == b"2"


def test_put_is_refused_when_urls_are_not_sigv4(make_storage):
    storage = make_storage(signature_version="s3")
    with pytest.raises(ImproperlyConfigured) as info:
        storage.presigned_put("a.txt")
    assert str(info.value) == (
        "presigned_put() needs URLs signed with Signature Version 4, which signs the headers "
        "the browser must send (SigV2 leaves If-None-Match and Cache-Control unsigned). Set "
        "signature_version = 's3v4' (AWS_S3_SIGNATURE_VERSION)."
    )


# -- multipart ------------------------------------------------------------------------


def upload_parts(urls: dict[int, str], bodies: dict[int, bytes]) -> list[dict[str, object]]:
    """PUT every part in parallel, as a browser would; return the parts list for completion."""

    def put(number: int) -> dict[str, object]:
        status, headers, _ = send(urls[number], "PUT", bodies[number])
        assert status == 200
        return {"part_number": number, "etag": headers["ETag"]}

    with ThreadPoolExecutor(3) as pool:
        return list(pool.map(put, sorted(bodies, reverse=True)))


def in_progress(s3_client, bucket_name) -> list[str]:
    return [
        entry["Key"]
        for entry in s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", [])
    ]


def test_multipart_parts_in_parallel_then_complete(make_storage, s3_client, bucket_name):
    storage = make_storage(signature_version="s3v4", location="media", file_overwrite=False)
    started = storage.start_multipart_upload("video.mp4", metadata={"owner": "7"})
    bodies = {1: b"a" * (5 * MIB), 2: b"b" * (5 * MIB), 3: b"c" * 100}
    first = storage.presigned_upload_parts(started["name"], started["upload_id"], [1, 2])
    rest = storage.presigned_upload_parts(started["name"], started["upload_id"], [3])
    assert (sorted(first), sorted(rest)) == ([1, 2], [3])

    parts = upload_parts({**first, **rest}, bodies)
    name = storage.complete_multipart_upload(
        started["name"], started["upload_id"], parts, max_size=11 * MIB
    )

    assert name == started["name"]
    assert storage.open(name).read() == bodies[1] + bodies[2] + bodies[3]
    head = s3_client.head_object(Bucket=bucket_name, Key=f"media/{name}")
    assert (head["ContentType"], head["Metadata"]) == ("video/mp4", {"owner": "7"})
    assert in_progress(s3_client, bucket_name) == []


def test_multipart_abort_leaves_nothing(make_storage, s3_client, bucket_name):
    storage = make_storage(signature_version="s3v4")
    started = storage.start_multipart_upload("big.bin")
    urls = storage.presigned_upload_parts(started["name"], started["upload_id"], [1])
    upload_parts(urls, {1: b"a" * (5 * MIB)})
    assert in_progress(s3_client, bucket_name) == [started["name"]]

    storage.abort_multipart_upload(started["name"], started["upload_id"])
    storage.abort_multipart_upload(started["name"], started["upload_id"])  # again: no error

    assert in_progress(s3_client, bucket_name) == []
    assert keys(s3_client, bucket_name) == []
    with pytest.raises(FileNotFoundError) as info:
        storage.complete_multipart_upload(
            started["name"], started["upload_id"], [{"part_number": 1, "etag": '"x"'}]
        )
    assert str(info.value).startswith(
        f"The multipart upload {started['upload_id']!r} of {started['name']!r} does not exist: "
        "it was completed, aborted, or never started. (An error occurred (NoSuchUpload)"
    )


def test_multipart_over_max_size_is_aborted(make_storage, s3_client, bucket_name):
    storage = make_storage(signature_version="s3v4")
    started = storage.start_multipart_upload("big.bin")
    urls = storage.presigned_upload_parts(started["name"], started["upload_id"], [1, 2])
    parts = upload_parts(urls, {1: b"a" * (5 * MIB), 2: b"b" * 10})

    with pytest.raises(ValueError) as info:
        storage.complete_multipart_upload(
            started["name"], started["upload_id"], parts, max_size=5 * MIB + 9
        )

    assert str(info.value) == (
        f"The parts of {started['name']!r} hold {5 * MIB + 10} bytes, over "
        f"max_size={5 * MIB + 9}: the upload was aborted."
    )
    assert (in_progress(s3_client, bucket_name), keys(s3_client, bucket_name)) == ([], [])


def test_multipart_completion_keeps_a_name_taken_meanwhile(make_storage, s3_client, bucket_name):
    storage = make_storage(signature_version="s3v4", file_overwrite=False)
    started = storage.start_multipart_upload("big.bin")
    urls = storage.presigned_upload_parts(started["name"], started["upload_id"], [1])
    parts = upload_parts(urls, {1: b"new"})
    s3_client.put_object(Bucket=bucket_name, Key=started["name"], Body=b"other writer")

    with pytest.raises(FileExistsError) as info:
        storage.complete_multipart_upload(started["name"], started["upload_id"], parts)

    assert str(info.value) == (
        f"Another writer stored {started['name']!r} while it was uploaded in parts, and "
        "file_overwrite is off: the upload was aborted."
    )
    assert storage.open(started["name"]).read() == b"other writer"
    assert in_progress(s3_client, bucket_name) == []


# -- names --------------------------------------------------------------------------

TRAVERSALS = [
    ("../escape.txt", "Detected path traversal attempt in '..'"),
    ("a/../../escape.txt", "Detected path traversal attempt in 'a/../..'"),
    ("/etc/passwd", "Detected path traversal attempt in '/etc/passwd'"),
    ("dir/", "Could not derive file name from ''"),
]


@pytest.mark.parametrize(("name", "message"), TRAVERSALS)
@pytest.mark.parametrize("method", ["presigned_post", "presigned_put", "start_multipart_upload"])
def test_names_never_leave_the_location(make_storage, record_calls, method, name, message):
    storage = make_storage(signature_version="s3v4", location="media")
    calls = record_calls(storage)

    with pytest.raises(SuspiciousFileOperation) as info:
        getattr(storage, method)(name)

    assert (str(info.value), calls.names) == (message, [])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../escape.txt", "Detected path traversal attempt in '../escape.txt'"),
        ("/etc/passwd", "Detected path traversal attempt in '/etc/passwd'"),
    ],
)
def test_existing_upload_names_never_leave_the_location(make_storage, record_calls, name, message):
    storage = make_storage(signature_version="s3v4", location="media")
    calls = record_calls(storage)
    attempts = [
        lambda: storage.presigned_upload_parts(name, "id", [1]),
        lambda: storage.complete_multipart_upload(name, "id", [{"part_number": 1, "etag": "e"}]),
        lambda: storage.abort_multipart_upload(name, "id"),
    ]
    for attempt in attempts:
        with pytest.raises(SuspiciousFileOperation) as info:
            attempt()
        assert str(info.value) == message
    assert calls.names == []
