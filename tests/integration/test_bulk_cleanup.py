"""abort_stale_uploads(), ``manage.py s3cleanup`` and the probe's lifecycle check on SeaweedFS."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from storages.backends._s3.bulk import cleanup

pytestmark = pytest.mark.integration


def _uploads(client, bucket):
    return sorted(u["Key"] for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


@pytest.fixture
def later(monkeypatch):
    """Move the clock two hours on: uploads started now are then two hours old."""
    now = cleanup.clock()
    monkeypatch.setattr(cleanup, "clock", lambda: now + timedelta(hours=2))


def test_aborts_a_stale_upload_and_leaves_a_fresh_one(
    make_storage, s3_client, bucket_name, later, caplog
):
    storage = make_storage(location="media")
    s3_client.create_multipart_upload(Bucket=bucket_name, Key="media/stale.bin")
    s3_client.create_multipart_upload(Bucket=bucket_name, Key="outside.bin")

    caplog.set_level("INFO", logger=cleanup.__name__)
    # Two hours "ago" is stale for one hour, fresh for three.
    assert storage.abort_stale_uploads(older_than=timedelta(hours=3)) == 0
    assert storage.abort_stale_uploads(older_than=timedelta(hours=1)) == 1

    assert _uploads(s3_client, bucket_name) == ["outside.bin"]
    assert "media/stale.bin" in caplog.text


def test_default_keeps_uploads_of_the_last_day(storage, s3_client, bucket_name):
    s3_client.create_multipart_upload(Bucket=bucket_name, Key="fresh.bin")
    assert storage.abort_stale_uploads() == 0
    assert _uploads(s3_client, bucket_name) == ["fresh.bin"]


def _cleanup(s3_server, bucket_name, *args):
    out = io.StringIO()
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_server.storage_options(bucket_name),
        }
    }
    with override_settings(STORAGES=storages):
        call_command("s3cleanup", "default", *args, stdout=out)
    return out.getvalue()


def test_command_dry_run_changes_nothing(s3_server, s3_client, bucket_name, later):
    s3_client.create_multipart_upload(Bucket=bucket_name, Key="a.bin")

    out = _cleanup(s3_server, bucket_name, "--dry-run", "--older-than", "1")

    assert "Would abort a.bin" in out
    assert f"Storage 'default' (bucket '{bucket_name}'): would abort 1 incomplete upload." in out
    assert _uploads(s3_client, bucket_name) == ["a.bin"]

    out = _cleanup(s3_server, bucket_name, "--older-than", "1")
    assert out.endswith("aborted 1 incomplete upload.\n")
    assert _uploads(s3_client, bucket_name) == []


def test_command_keeps_fresh_uploads(s3_server, s3_client, bucket_name):
    s3_client.create_multipart_upload(Bucket=bucket_name, Key="a.bin")
    out = _cleanup(s3_server, bucket_name)
    assert out.endswith("aborted 0 incomplete uploads.\n")
    assert _uploads(s3_client, bucket_name) == ["a.bin"]


def test_abort_rule_read_from_the_bucket(s3_client, bucket_name):
    assert cleanup.abort_rule(s3_client, bucket_name, "media/") is None
    s3_client.put_bucket_lifecycle_configuration(
        Bucket=bucket_name,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "abort-uploads",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3},
                }
            ]
        },
    )
    assert cleanup.abort_rule(s3_client, bucket_name, "media/") == 3


def _probe_lines(s3_server, bucket_name):
    out = io.StringIO()
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_server.storage_options(bucket_name, location="media"),
        }
    }
    with override_settings(STORAGES=storages):
        call_command("s3probe", "default", stdout=out)
    return [line for line in out.getvalue().splitlines() if "lifecycle" in line]


def test_probe_warns_without_an_abort_rule(s3_server, s3_client, bucket_name):
    assert _probe_lines(s3_server, bucket_name) == [
        "  WARN  lifecycle    no lifecycle rule aborts incomplete multipart uploads",
        "        fix: Add a bucket lifecycle rule with AbortIncompleteMultipartUpload "
        "(DaysAfterInitiation 1 to 7), or run 'manage.py s3cleanup' regularly.",
    ]
    # A rule for another prefix does not cover the storage's location.
    _put_rule(s3_client, bucket_name, "other/")
    assert _probe_lines(s3_server, bucket_name)[0].startswith("  WARN  lifecycle")


def test_probe_is_content_with_an_abort_rule(s3_server, s3_client, bucket_name):
    _put_rule(s3_client, bucket_name, "media/")
    assert _probe_lines(s3_server, bucket_name) == [
        "  OK    lifecycle    incomplete multipart uploads are aborted after 2 day(s)",
    ]


def _put_rule(client, bucket, prefix):
    rule = {
        "ID": "abort",
        "Status": "Enabled",
        "Filter": {"Prefix": prefix},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
    }
    client.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [rule]}
    )
