"""The exact S3 requests of multipart direct uploads, seen through botocore's Stubber."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from django.core.exceptions import ImproperlyConfigured

from storages.backends.s3 import S3Storage

PARTS = [
    {"part_number": 2, "etag": '"two"'},
    {"part_number": 1, "etag": '"one"'},
]
#: The upload every test completes or aborts.
UPLOAD = {"Bucket": "media", "Key": "loc/v.mp4", "UploadId": "up-1"}
SORTED_PARTS = {"Parts": [{"PartNumber": 1, "ETag": '"one"'}, {"PartNumber": 2, "ETag": '"two"'}]}


class FixedSuffixStorage(S3Storage):
    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        return f"{file_root}_SUFFIX{file_ext}"


def stubbed_storage(**options):
    storage = FixedSuffixStorage(
        bucket_name="media",
        location="loc",
        region_name="eu-west-1",
        access_key="AKIDEXAMPLE",
        secret_key="not-a-real-secret",
        **options,
    )
    return storage, Stubber(storage.connection.meta.client)


@pytest.fixture
def stubbed():
    storage, stubber = stubbed_storage(file_overwrite=False)
    with stubber:
        yield storage, stubber
        stubber.assert_no_pending_responses()


def test_start_sends_the_upload_parameters_of_save(stubbed):
    storage, stubber = stubbed
    storage.object_parameters = {"CacheControl": "max-age=60", "Metadata": {"app": "docs"}}
    storage.default_acl = "private"
    stubber.add_response(
        "create_multipart_upload",
        {"UploadId": "up-1"},
        {
            "Bucket": "media",
            "Key": "loc/v_SUFFIX.mp4",
            "ACL": "private",
            "CacheControl": "max-age=60",
            "ContentType": "video/mp4",
            "Metadata": {"app": "docs", "owner": "7"},
        },
    )

    started = storage.start_multipart_upload("v.mp4", metadata={"owner": "7"})

    assert started == {"name": "v_SUFFIX.mp4", "upload_id": "up-1"}


@pytest.mark.parametrize("param", ["RequestPayer", "ExpectedBucketOwner", "ChecksumAlgorithm"])
def test_start_refuses_parameters_every_part_would_need(stubbed, param):
    storage, _ = stubbed  # no response queued: any request fails the test
    storage.object_parameters = {param: "x"}
    with pytest.raises(ImproperlyConfigured) as info:
        storage.start_multipart_upload("v.mp4")
    assert str(info.value) == (
        f"start_multipart_upload() cannot send {param!r} from get_object_parameters("
        "'loc/v_SUFFIX.mp4') (object_parameters / AWS_S3_OBJECT_PARAMETERS): every part's "
        "presigned URL would need it as a header the browser sends. Leave it out of the "
        "parameters of direct uploads."
    )


def test_complete_is_create_only_with_the_parts_in_order(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "complete_multipart_upload",
        {},
        {
            **UPLOAD,
            "MultipartUpload": SORTED_PARTS,
            "IfNoneMatch": "*",
        },
    )
    assert storage.complete_multipart_upload("v.mp4", "up-1", PARTS) == "v.mp4"


def test_complete_overwrites_with_file_overwrite():
    storage, stubber = stubbed_storage(file_overwrite=True)
    with stubber:
        stubber.add_response(
            "complete_multipart_upload",
            {},
            {
                **UPLOAD,
                "MultipartUpload": SORTED_PARTS,
            },
        )
        storage.complete_multipart_upload("v.mp4", "up-1", PARTS)
        stubber.assert_no_pending_responses()


def test_complete_without_if_none_match_on_a_store_that_refuses_it(stubbed):
    storage, stubber = stubbed
    expected = {
        **UPLOAD,
        "MultipartUpload": SORTED_PARTS,
    }
    stubber.add_client_error(
        "complete_multipart_upload",
        "NotImplemented",
        http_status_code=501,
        expected_params={**expected, "IfNoneMatch": "*"},
    )
    stubber.add_response("complete_multipart_upload", {}, expected)
    assert storage.complete_multipart_upload("v.mp4", "up-1", PARTS) == "v.mp4"


def test_complete_checks_the_size_of_the_listed_parts_first(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "list_parts",
        {
            "IsTruncated": True,
            "NextPartNumberMarker": 1,
            "Parts": [{"PartNumber": 1, "Size": 60}],
        },
        UPLOAD,
    )
    stubber.add_response(
        "list_parts",
        # Part 3 was sent but is not completed: it does not count.
        {
            "IsTruncated": False,
            "Parts": [{"PartNumber": 2, "Size": 41}, {"PartNumber": 3, "Size": 500}],
        },
        {**UPLOAD, "PartNumberMarker": 1},
    )
    stubber.add_response("abort_multipart_upload", {}, UPLOAD)

    with pytest.raises(ValueError) as info:
        storage.complete_multipart_upload("v.mp4", "up-1", PARTS, max_size=100)

    assert str(info.value) == (
        "The parts of 'v.mp4' hold 101 bytes, over max_size=100: the upload was aborted."
    )


def test_complete_within_max_size(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "list_parts",
        {
            "IsTruncated": False,
            "Parts": [{"PartNumber": 1, "Size": 60}, {"PartNumber": 2, "Size": 40}],
        },
        UPLOAD,
    )
    stubber.add_response(
        "complete_multipart_upload",
        {},
        {**UPLOAD, "MultipartUpload": SORTED_PARTS, "IfNoneMatch": "*"},
    )
    assert storage.complete_multipart_upload("v.mp4", "up-1", PARTS, max_size=100) == "v.mp4"


def test_complete_onto_a_taken_name_aborts(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error(
        "complete_multipart_upload", "PreconditionFailed", http_status_code=412
    )
    stubber.add_response("abort_multipart_upload", {}, UPLOAD)
    with pytest.raises(FileExistsError) as info:
        storage.complete_multipart_upload("v.mp4", "up-1", PARTS)
    assert str(info.value) == (
        "Another writer stored 'v.mp4' while it was uploaded in parts, and file_overwrite is "
        "off: the upload was aborted."
    )


def test_complete_raises_other_errors_as_they_are(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error("complete_multipart_upload", "InvalidPart", http_status_code=400)
    with pytest.raises(ClientError) as info:
        storage.complete_multipart_upload("v.mp4", "up-1", PARTS)
    assert info.value.response["Error"]["Code"] == "InvalidPart"


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "A multipart upload is completed with at least one part."),
        (
            [{"part_number": 1, "etag": "a"}, {"part_number": 1, "etag": "b"}],
            "Part 1 is listed twice.",
        ),
        ([{"part_number": 0, "etag": "a"}], "Part numbers run from 1 to 10000, not 0."),
        (
            [{"PartNumber": 1, "ETag": "a"}],
            "Each part must be a dict with 'part_number' and 'etag' (the ETag header S3 "
            "answered the part's PUT with), not {'PartNumber': 1, 'ETag': 'a'}.",
        ),
    ],
)
def test_complete_refuses_a_malformed_parts_list(stubbed, parts, message):
    storage, _ = stubbed
    with pytest.raises(ValueError) as info:
        storage.complete_multipart_upload("v.mp4", "up-1", parts)
    assert str(info.value) == message


def test_abort_sends_abort_and_ignores_an_upload_gone_already(stubbed):
    storage, stubber = stubbed
    stubber.add_response("abort_multipart_upload", {}, UPLOAD)
    stubber.add_client_error(
        "abort_multipart_upload", "NoSuchUpload", http_status_code=404, expected_params=UPLOAD
    )
    storage.abort_multipart_upload("v.mp4", "up-1")
    storage.abort_multipart_upload("v.mp4", "up-1")


def test_abort_raises_other_errors(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error("abort_multipart_upload", "AccessDenied", http_status_code=403)
    with pytest.raises(ClientError) as info:
        storage.abort_multipart_upload("v.mp4", "up-1")
    assert info.value.response["Error"]["Code"] == "AccessDenied"
