"""What presigned_post() pins in its policy, what presigned_put() signs, and the names they give.

No server: botocore signs without sending anything. The policies are read
back from their base64 JSON; the PUT headers are compared with the URL's
``X-Amz-SignedHeaders``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import (
    ImproperlyConfigured,
    SuspiciousFileOperation,
    SuspiciousOperation,
)

from storages.backends._s3.uploads.presigned import check_signed
from storages.backends.s3 import S3Storage


class FixedSuffixStorage(S3Storage):
    """Names uploads with a known suffix instead of Django's random one."""

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        return f"{file_root}_SUFFIX{file_ext}"


def make(cls=FixedSuffixStorage, **options):
    settings = {
        "bucket_name": "media",
        "region_name": "eu-west-1",
        "access_key": "AKIDEXAMPLE",
        "secret_key": "not-a-real-secret",
        "signature_version": "s3v4",
        **options,
    }
    return cls(**settings)


def policy(post):
    return json.loads(base64.b64decode(post["fields"]["policy"]))


def own_conditions(post):
    """The policy's conditions, without the four SigV4 adds for its own signature."""
    signing = {"x-amz-algorithm", "x-amz-credential", "x-amz-date"}
    return [
        condition
        for condition in policy(post)["conditions"]
        if not (isinstance(condition, dict) and set(condition) <= signing)
    ]


def own_fields(post):
    signing = {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "policy", "x-amz-signature"}
    return {name: value for name, value in post["fields"].items() if name not in signing}


def signed_headers(url):
    return set(parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"][0].split(";"))


EVERY_POST_PARAMETER = {
    "CacheControl": "max-age=60",
    "ContentDisposition": "attachment",
    "Expires": dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    "Metadata": {"app": "docs"},
    "StorageClass": "STANDARD_IA",
    "ServerSideEncryption": "aws:kms",
    "SSEKMSKeyId": "key-id",
    "SSEKMSEncryptionContext": "e30=",
    "BucketKeyEnabled": True,
    "WebsiteRedirectLocation": "/elsewhere",
}


# -- presigned_post -------------------------------------------------------------------


def test_post_policy_pins_the_key_type_size_and_every_parameter():
    storage = make(location="loc", default_acl="private", object_parameters=EVERY_POST_PARAMETER)

    post = storage.presigned_post("q1.csv", max_size=1000, min_size=1, metadata={"owner": "7"})

    fields = {
        "Cache-Control": "max-age=60",
        "Content-Disposition": "attachment",
        "Expires": "Wed, 02 Jan 2030 03:04:05 GMT",
        "x-amz-storage-class": "STANDARD_IA",
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": "key-id",
        "x-amz-server-side-encryption-context": "e30=",
        "x-amz-server-side-encryption-bucket-key-enabled": "true",
        "x-amz-website-redirect-location": "/elsewhere",
        "Content-Type": "text/csv",
        "acl": "private",
        "x-amz-meta-app": "docs",
        "x-amz-meta-owner": "7",
    }
    assert post["name"] == "q1_SUFFIX.csv"
    assert post["url"] == "https://media.s3.amazonaws.com/"
    assert own_fields(post) == {**fields, "key": "loc/q1_SUFFIX.csv"}
    assert sorted(map(json.dumps, own_conditions(post))) == sorted(
        map(
            json.dumps,
            [
                *({name: value} for name, value in fields.items()),
                ["content-length-range", 1, 1000],
                {"bucket": "media"},
                {"key": "loc/q1_SUFFIX.csv"},
            ],
        )
    )


def test_post_policy_expires_after_expire_seconds():
    storage = make(querystring_expire=600)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)

    default = policy(storage.presigned_post("a.txt"))["expiration"]
    given = policy(storage.presigned_post("a.txt", expire=60))["expiration"]

    after = dt.datetime.now(dt.UTC)
    for expiration, seconds in ((default, 600), (given, 60)):
        moment = dt.datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        assert (
            before + dt.timedelta(seconds=seconds)
            <= moment
            <= after + dt.timedelta(seconds=seconds)
        )


def test_post_without_max_size_allows_what_one_post_can_store():
    post = make().presigned_post("a.txt")
    assert ["content-length-range", 0, 5 * 1024**3] in own_conditions(post)


def test_post_content_type_given_replaces_the_guessed_and_configured_one():
    storage = make(object_parameters={"ContentType": "text/plain"})
    post = storage.presigned_post("a.txt", content_type="application/pdf")
    assert own_fields(post)["Content-Type"] == "application/pdf"
    assert {"Content-Type": "application/pdf"} in own_conditions(post)
    assert {"Content-Type": "text/plain"} not in own_conditions(post)


def test_post_content_type_prefix_is_a_starts_with_condition_and_no_field():
    post = make().presigned_post("avatar.png", content_type="image/")
    assert "Content-Type" not in post["fields"]
    assert [
        condition for condition in own_conditions(post) if "Content-Type" in json.dumps(condition)
    ] == [["starts-with", "$Content-Type", "image/"]]


@pytest.mark.parametrize(
    ("name", "content_type", "encoding"),
    [
        ("a.tar.gz", "application/x-tar", "gzip"),
        ("data.unknownext", "application/octet-stream", None),
        ("page.html", "text/html", None),
    ],
)
def test_post_content_type_defaults_to_what_save_stores(name, content_type, encoding):
    fields = own_fields(make().presigned_post(name))
    assert (fields["Content-Type"], fields.get("Content-Encoding")) == (content_type, encoding)


def test_post_works_with_sigv2_policies():
    post = make(signature_version="s3").presigned_post("a.txt", max_size=5)
    assert sorted(post["fields"]) == [
        "AWSAccessKeyId",
        "Content-Type",
        "key",
        "policy",
        "signature",
    ]
    assert policy(post)["conditions"] == [
        {"Content-Type": "text/plain"},
        ["content-length-range", 0, 5],
        {"bucket": "media"},
        {"key": "a_SUFFIX.txt"},
    ]


@pytest.mark.parametrize(
    ("param", "value", "reason"),
    [
        ("ContentLanguage", "fr", "an S3 POST policy has no form field for it"),
        ("GrantRead", 'id="x"', "an S3 POST policy has no form field for it"),
        ("Tagging", "a=b", "an S3 POST policy has no form field for it"),
    ],
)
def test_post_refuses_parameters_a_form_cannot_carry(param, value, reason):
    storage = make(location="loc", object_parameters={param: value})
    with pytest.raises(ImproperlyConfigured) as info:
        storage.presigned_post("a.txt")
    assert str(info.value) == (
        f"presigned_post() cannot send {param!r} from get_object_parameters('loc/a_SUFFIX.txt') "
        f"(object_parameters / AWS_S3_OBJECT_PARAMETERS): {reason}. Leave it out of the "
        "parameters of direct uploads (get_object_parameters() can return other parameters "
        "for them), or upload with presigned_put(), which signs it as a header."
    )


@pytest.mark.parametrize("method", ["presigned_post", "presigned_put", "start_multipart_upload"])
def test_no_direct_upload_hands_out_an_sse_c_key(method):
    storage = make(object_parameters={"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k"})
    with pytest.raises(ImproperlyConfigured) as info:
        getattr(storage, method)("a.txt")
    assert str(info.value) == (
        f"{method}() cannot send 'SSECustomerAlgorithm' from "
        "get_object_parameters('a_SUFFIX.txt') (object_parameters / "
        "AWS_S3_OBJECT_PARAMETERS): the browser would have to send the customer-provided "
        "encryption key (SSE-C). Upload such files through the server (save()), or encrypt "
        "direct uploads with ServerSideEncryption (SSE-S3 or SSE-KMS)."
    )


def test_get_object_parameters_is_asked_with_the_full_key():
    asked = []

    class Recording(FixedSuffixStorage):
        def get_object_parameters(self, name):
            asked.append(name)
            return {"CacheControl": f"private, {name}"}

    storage = make(Recording, location="loc")
    post = storage.presigned_post("a.txt")
    put = storage.presigned_put("b.txt")

    assert asked == ["loc/a_SUFFIX.txt", "loc/b_SUFFIX.txt"]
    assert own_fields(post)["Cache-Control"] == "private, loc/a_SUFFIX.txt"
    assert put["headers"]["Cache-Control"] == "private, loc/b_SUFFIX.txt"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"max_size": 10, "min_size": 11},
            "presigned_post() takes sizes in bytes with 0 <= min_size <= max_size, not "
            "min_size=11, max_size=10.",
        ),
        (
            {"min_size": -1},
            "presigned_post() takes sizes in bytes with 0 <= min_size <= max_size, not "
            "min_size=-1, max_size=None.",
        ),
        (
            {"max_size": 1.5},
            "presigned_post() takes sizes in bytes with 0 <= min_size <= max_size, not "
            "min_size=0, max_size=1.5.",
        ),
        (
            {"max_size": 5 * 1024**3 + 1},
            "presigned_post() got max_size=5368709121, but one POST stores at most 5368709120 "
            "bytes (5 GiB): upload larger files in parts (start_multipart_upload()).",
        ),
        (
            {"expire": 0},
            "presigned_post() takes expire as a number of seconds > 0, not 0.",
        ),
        (
            {"content_type": "text"},
            "presigned_post() takes content_type as 'type/subtype' or a 'type/' prefix, "
            "not 'text'.",
        ),
        (
            {"content_type": "text/plain\r\nX-Evil: 1"},
            "presigned_post() takes content_type as 'type/subtype' or a 'type/' prefix, "
            "not 'text/plain\\r\\nX-Evil: 1'.",
        ),
        (
            {"metadata": {"a": 1}},
            "presigned_post() takes metadata as a dict of str to str.",
        ),
    ],
)
def test_post_refuses_wrong_arguments(kwargs, message):
    with pytest.raises(ValueError) as info:
        make().presigned_post("a.txt", **kwargs)
    assert str(info.value) == message


# -- presigned_put --------------------------------------------------------------------


@pytest.mark.parametrize("file_overwrite", [True, False])
@pytest.mark.parametrize(
    "object_parameters",
    [{}, EVERY_POST_PARAMETER, {"ContentLanguage": "fr", "Tagging": "a=b", "ACL": "private"}],
)
def test_put_signs_every_header_it_returns(object_parameters, file_overwrite):
    storage = make(object_parameters=object_parameters, file_overwrite=file_overwrite)

    put = storage.presigned_put("a.txt", metadata={"owner": "7"})

    assert {name.lower() for name in put["headers"]} | {"host"} == signed_headers(put["url"])
    assert put["headers"]["Content-Type"] == "text/plain"
    assert put["headers"]["x-amz-meta-owner"] == "7"
    assert ("If-None-Match" in put["headers"]) is not file_overwrite
    assert urlsplit(put["url"]).path == "/a_SUFFIX.txt"


def test_put_headers_carry_every_parameter_as_botocore_sends_it():
    storage = make(object_parameters=EVERY_POST_PARAMETER, default_acl="private")
    put = storage.presigned_put("a.txt", content_type="text/csv", expire=60)
    assert put["headers"] == {
        "Cache-Control": "max-age=60",
        "Content-Disposition": "attachment",
        "Content-Type": "text/csv",
        "Expires": "Wed, 02 Jan 2030 03:04:05 GMT",
        "x-amz-acl": "private",
        "x-amz-meta-app": "docs",
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": "key-id",
        "x-amz-server-side-encryption-bucket-key-enabled": "true",
        "x-amz-server-side-encryption-context": "e30=",
        "x-amz-storage-class": "STANDARD_IA",
        "x-amz-website-redirect-location": "/elsewhere",
    }
    assert parse_qs(urlsplit(put["url"]).query)["X-Amz-Expires"] == ["60"]


def test_put_has_no_if_none_match_once_the_store_refused_it():
    storage = make(file_overwrite=False)
    storage._runtime.conditional_writes_unsupported = True
    put = storage.presigned_put("a.txt")
    assert put["headers"] == {"Content-Type": "text/plain"}


def test_put_refuses_a_type_prefix():
    with pytest.raises(ValueError) as info:
        make().presigned_put("a.png", content_type="image/")
    assert str(info.value) == (
        "presigned_put() signs one exact Content-Type, and 'image/' is a prefix: pass the "
        "file's own type (such as 'image/png'), or use presigned_post(), whose policy can "
        "accept every type starting with 'image/'."
    )


def test_put_refuses_a_parameter_that_is_no_put_header():
    storage = make(object_parameters={"MetadataDirective": "REPLACE"})
    with pytest.raises(ImproperlyConfigured) as info:
        storage.presigned_put("a.txt")
    assert str(info.value) == (
        "presigned_put() cannot send 'MetadataDirective' from get_object_parameters("
        "'a_SUFFIX.txt') (object_parameters / AWS_S3_OBJECT_PARAMETERS): a PutObject request "
        "takes no such header. Remove it from the parameters of direct uploads."
    )


# -- where the browser sends it ------------------------------------------------------


def test_uploads_are_signed_for_the_public_endpoint():
    storage = make(
        endpoint_url="http://s3.internal:8333", public_endpoint_url="https://files.example.com"
    )

    post = storage.presigned_post("a.txt")
    put = storage.presigned_put("a.txt")
    part = storage.presigned_upload_parts("a.txt", "upload-1", [3])[3]

    assert post["url"] == "https://files.example.com/media"
    assert put["url"].startswith(f"https://files.example.com/media/{put['name']}?X-Amz-")
    assert part.startswith("https://files.example.com/media/a.txt?uploadId=upload-1&partNumber=3&")


def test_part_urls_sign_each_part_number_and_expire():
    storage = make(location="loc")
    urls = storage.presigned_upload_parts("v.mp4", "up/1", [2, 1], expire=90)
    assert sorted(urls) == [1, 2]
    for number, url in urls.items():
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        assert (parts.path, query["uploadId"], query["partNumber"], query["X-Amz-Expires"]) == (
            "/loc/v.mp4",
            ["up/1"],
            [str(number)],
            ["90"],
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", [1]), "upload_id must be the non-empty str start returned, not ''."),
        (("id", [0]), "Part numbers run from 1 to 10000, not 0."),
        (("id", [10_001]), "Part numbers run from 1 to 10000, not 10001."),
        (("id", ["1"]), "Part numbers run from 1 to 10000, not '1'."),
    ],
)
def test_part_urls_refuse_wrong_arguments(args, message):
    with pytest.raises(ValueError) as info:
        make().presigned_upload_parts("a.bin", *args)
    assert str(info.value) == message


# -- names ----------------------------------------------------------------------------


def test_default_names_get_djangos_random_seven_characters():
    storage = make(S3Storage, location="loc")
    names = {storage.presigned_post("dir/photo.tar.gz")["name"] for _ in range(5)}
    assert len(names) == 5
    for name in names:
        assert re.fullmatch(r"dir/photo_[A-Za-z0-9]{7}\.tar\.gz", name), name


@pytest.mark.parametrize(
    ("asked", "name"),
    [
        ("report 1 (final).pdf", "report_1_final_SUFFIX.pdf"),
        ("dir//sub/./a b.txt", "dir/sub/a_b_SUFFIX.txt"),
        ("dir\\win.txt", "dir/win_SUFFIX.txt"),
        (".env", ".env_SUFFIX"),
    ],
)
def test_names_go_through_the_storages_naming(asked, name):
    storage = make(location="media")
    post = storage.presigned_post(asked)
    assert (post["name"], post["fields"]["key"]) == (name, f"media/{name}")


def test_max_length_shortens_the_file_name_as_django_does():
    storage = make()
    name = storage.presigned_put("dir/abcdefghij.txt", max_length=20)["name"]
    assert name == "dir/abcde_SUFFIX.txt"
    assert len(name) == 20
    assert storage.presigned_put("dir/abc.txt", max_length=16)["name"] == "dir/a_SUFFIX.txt"


def test_max_length_too_short_for_any_file_name():
    with pytest.raises(SuspiciousFileOperation) as info:
        make().presigned_put("dir/abc.txt", max_length=15)
    assert str(info.value) == (
        "The upload name 'dir/abc_SUFFIX.txt' is longer than max_length=15, even with its "
        "file name cut to one character: allow a longer max_length on the file field, or "
        "upload to a shorter directory."
    )


def test_names_s3_cannot_store_are_refused():
    with pytest.raises(ValueError) as info:
        make().presigned_post("a" * 1100 + ".txt")
    assert str(info.value) == (
        f"The key {'a' * 57 + '...'!r} is 1111 bytes of UTF-8; S3 keys are at most 1024 bytes."
    )


@pytest.mark.parametrize("name", ["", None])
def test_a_name_is_required(name):
    with pytest.raises(ValueError) as info:
        make().presigned_post(name)
    assert str(info.value) == (
        f"A direct upload needs a file name (a non-empty str), not {name!r}."
    )


def test_a_location_that_a_subclass_makes_escape_is_refused():
    class Escaping(FixedSuffixStorage):
        def _key(self, name):
            return self._normalize_name("../" + name)

    with pytest.raises(SuspiciousOperation) as info:
        make(Escaping, location="loc").presigned_post("a.txt")
    assert str(info.value) == "Attempted access to '../a_SUFFIX.txt' denied."


def test_a_put_url_that_leaves_a_header_unsigned_is_refused():
    url = (
        "https://media.s3.amazonaws.com/k?X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Signature=0"
    )
    headers = {"Content-Type": "text/plain", "If-None-Match": "*"}
    with pytest.raises(ImproperlyConfigured) as info:
        check_signed(url, headers, "presigned_put")
    assert str(info.value) == (
        "presigned_put(): botocore left the headers If-None-Match out of the URL's signature, "
        "so S3 would not enforce them."
    )
