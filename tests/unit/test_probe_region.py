"""The probe's region check, on answers only AWS gives (SeaweedFS reports no region)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from storages.backends._s3.probe import FAIL, OK, SKIP, Probe, Result
from storages.backends.s3 import S3Storage

DATE = "Sun, 29 Nov 2026 15:00:00 GMT"


def answer(**headers: str) -> dict[str, Any]:
    return {"ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {"date": DATE, **headers}}}


@pytest.fixture
def probe() -> Iterator[tuple[Probe, Stubber]]:
    storage = S3Storage(
        bucket_name="media", region_name="us-east-1", access_key="AKIDEXAMPLE", secret_key="x"
    )
    probe = Probe(storage, timeout=1)
    with Stubber(probe.client) as stubber:
        yield probe, stubber
        stubber.assert_no_pending_responses()


def run_region(probe: Probe) -> list[Result]:
    probe._step("bucket", probe.reach_bucket, "s3:ListBucket", "arn:aws:s3:::media")
    probe._step("region", probe.region, "s3:GetBucketLocation", "arn:aws:s3:::media")
    return probe.results


def test_region_from_head_bucket_header_differs(probe: tuple[Probe, Stubber]) -> None:
    probe_, stubber = probe
    stubber.add_response("head_bucket", answer(**{"x-amz-bucket-region": "eu-west-1"}))
    assert run_region(probe_) == [
        Result("bucket", OK, "'media' exists and is reachable"),
        Result(
            "region",
            FAIL,
            "the bucket is in 'eu-west-1' but requests are signed for 'us-east-1'",
            "Set AWS_S3_REGION_NAME / region_name to 'eu-west-1'.",
        ),
    ]


def test_region_from_head_bucket_header_matches(probe: tuple[Probe, Stubber]) -> None:
    probe_, stubber = probe
    stubber.add_response("head_bucket", answer(**{"x-amz-bucket-region": "us-east-1"}))
    assert run_region(probe_)[1] == Result("region", OK, "'us-east-1', the bucket's region")


@pytest.mark.parametrize(
    ("constraint", "status"),
    [(None, OK), ("EU", FAIL), ("ap-south-1", FAIL)],
    ids=["us-east-1", "legacy-EU", "other"],
)
def test_region_from_get_bucket_location(
    probe: tuple[Probe, Stubber], constraint: str | None, status: str
) -> None:
    probe_, stubber = probe
    stubber.add_response("head_bucket", answer())
    location = {"LocationConstraint": constraint} if constraint else {}
    stubber.add_response("get_bucket_location", {**location, **answer()})
    result = run_region(probe_)[1]
    assert result.status == status
    if status == FAIL:
        expected = {"EU": "eu-west-1"}.get(str(constraint), constraint)
        assert result.fix == f"Set AWS_S3_REGION_NAME / region_name to {expected!r}."


def test_region_not_reported_without_permission_is_skipped(
    probe: tuple[Probe, Stubber],
) -> None:
    probe_, stubber = probe
    stubber.add_response("head_bucket", answer())
    stubber.add_client_error(
        "get_bucket_location", service_error_code="AccessDenied", http_status_code=403
    )
    assert run_region(probe_)[1] == Result(
        "region",
        SKIP,
        "not reported (AccessDenied to GetBucketLocation); requests are signed for 'us-east-1'",
    )


def test_forbidden_bucket_fails_with_the_policy_to_add(probe: tuple[Probe, Stubber]) -> None:
    probe_, stubber = probe
    stubber.add_client_error("head_bucket", service_error_code="", http_status_code=403)
    probe_._step("bucket", probe_.reach_bucket, "s3:ListBucket", "arn:aws:s3:::media")
    assert probe_.results == [
        Result(
            "bucket",
            FAIL,
            "no message (403 AccessDenied)",
            "Allow s3:ListBucket on arn:aws:s3:::media for these credentials (IAM policy or "
            "bucket policy).",
        )
    ]
    assert probe_.blocked == "the bucket check failed"
