"""Network faults between boto3 and SeaweedFS: retried when transient, never a partial object."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile

from faultproxy import Fault
from storages.backends.s3 import S3Storage
from storages.testing.seaweedfs import SeaweedFS

pytestmark = pytest.mark.integration

MULTIPART = 9 * 1024 * 1024  # above s3transfer's 8 MiB threshold


def _config(attempts: int = 3) -> Config:
    return Config(
        retries={"max_attempts": attempts, "mode": "standard"},
        connect_timeout=2,
        read_timeout=3,
    )


@pytest.fixture
def faulty_storage(s3_server, bucket_name, fault_proxy):
    return S3Storage(
        **s3_server.storage_options(
            bucket_name, endpoint_url=fault_proxy.endpoint_url, client_config=_config()
        )
    )


def _keys(client, bucket):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def _uploads(client, bucket):
    return client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def _body(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", method="PUT", status=503, code="SlowDown"),
        Fault("status", method="PUT", status=500, code="InternalError", times=2),
        Fault("drop_request", method="PUT"),
        Fault("drop_response", method="PUT"),
        Fault("delay", method="PUT", seconds=4),
    ],
    ids=["503-slowdown", "500-twice", "drop-request", "drop-response", "read-timeout"],
)
def test_save_retries_transient_faults(faulty_storage, fault_proxy, s3_client, bucket_name, fault):
    fault_proxy.add(fault)
    faulty_storage.save("doc.txt", ContentFile(b"payload"))
    assert _body(s3_client, bucket_name, "doc.txt") == b"payload"
    assert fault.hits == fault.times
    puts = [request for request in fault_proxy.requests if request[0] == "PUT"]
    assert len(puts) == fault.times + 1


def test_save_gives_up_after_retries_and_leaves_nothing(
    faulty_storage, fault_proxy, s3_client, bucket_name
):
    fault_proxy.add(Fault("status", method="PUT", status=500, times=10))
    with pytest.raises(ClientError) as info:
        faulty_storage.save("doc.txt", ContentFile(b"payload"))
    assert info.value.response["Error"]["Code"] == "InternalError"
    # Config(retries={"max_attempts": 3}) means three retries after the first try.
    assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 3
    assert len(fault_proxy.injected) == 4
    assert _keys(s3_client, bucket_name) == []


def test_multipart_save_part_failure_aborts_upload(
    faulty_storage, fault_proxy, s3_client, bucket_name
):
    fault_proxy.add(
        Fault("status", method="PUT", path_pattern=r"partNumber=2", status=500, times=10)
    )
    with pytest.raises(ClientError):
        faulty_storage.save("big.bin", ContentFile(b"x" * MULTIPART))
    assert _keys(s3_client, bucket_name) == []
    assert _uploads(s3_client, bucket_name) == []


def test_multipart_save_survives_one_failed_part(
    faulty_storage, fault_proxy, s3_client, bucket_name
):
    data = bytes(range(256)) * (MULTIPART // 256)
    fault_proxy.add(Fault("drop_request", method="PUT", path_pattern=r"partNumber=1"))
    faulty_storage.save("big.bin", ContentFile(data))
    assert _body(s3_client, bucket_name, "big.bin") == data
    assert _uploads(s3_client, bucket_name) == []


def test_overwrite_failure_keeps_the_old_object(
    faulty_storage, fault_proxy, s3_client, bucket_name
):
    faulty_storage.save("doc.txt", ContentFile(b"old"))
    fault_proxy.add(Fault("status", method="PUT", status=503, code="SlowDown", times=10))
    with pytest.raises(ClientError):
        faulty_storage.save("doc.txt", ContentFile(b"new"))
    assert _body(s3_client, bucket_name, "doc.txt") == b"old"


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", method="GET", status=503, code="SlowDown"),
        Fault("drop_response", method="GET"),
        Fault("truncate", method="GET", keep=1000),
    ],
    ids=["503", "drop-response", "truncated-body"],
)
def test_read_retries_or_raises_never_short(
    faulty_storage, fault_proxy, s3_client, bucket_name, fault
):
    data = bytes(range(256)) * 400
    s3_client.put_object(Bucket=bucket_name, Key="r.bin", Body=data)
    fault_proxy.add(fault)
    with faulty_storage.open("r.bin", "rb") as f:
        assert f.read() == data
    assert fault.hits == 1


def test_truncated_reads_that_never_recover_raise(
    faulty_storage, fault_proxy, s3_client, bucket_name
):
    data = b"z" * 100_000
    s3_client.put_object(Bucket=bucket_name, Key="r.bin", Body=data)
    fault_proxy.add(Fault("truncate", method="GET", keep=10, times=100))
    f = faulty_storage.open("r.bin", "rb")
    with pytest.raises((BotoCoreError, ClientError, OSError)):
        f.read()


def test_delete_and_exists_retry(faulty_storage, fault_proxy, s3_client, bucket_name):
    s3_client.put_object(Bucket=bucket_name, Key="d.txt", Body=b"x")
    fault_proxy.add(Fault("status", method="HEAD", status=503, code="SlowDown"))
    assert faulty_storage.exists("d.txt")
    fault_proxy.add(Fault("drop_response", method="DELETE"))
    faulty_storage.delete("d.txt")
    assert _keys(s3_client, bucket_name) == []


def test_listdir_over_pages_with_a_failing_page(
    faulty_storage, fault_proxy, s3_client, bucket_name
):
    names = [f"p/{i:04d}" for i in range(1203)]
    for name in names:
        s3_client.put_object(Bucket=bucket_name, Key=name, Body=b"")
    fault_proxy.add(Fault("status", method="GET", path_pattern=r"marker=p", status=500))
    dirs, files = faulty_storage.listdir("p")
    assert dirs == []
    assert sorted(files) == [name[2:] for name in names]
    assert len(fault_proxy.injected) == 1


def test_server_down_then_back(tmp_path, bucket_name):
    server = SeaweedFS(data_dir=tmp_path / "data")
    server.start()
    try:
        server.create_bucket("restart-me")
        storage = S3Storage(
            **server.storage_options(
                "restart-me",
                client_config=Config(
                    retries={"max_attempts": 2, "mode": "standard"},
                    connect_timeout=1,
                    read_timeout=3,
                ),
            )
        )
        storage.save("before.txt", ContentFile(b"1"))
        server.stop()
        with pytest.raises(BotoCoreError):
            storage.save("during.txt", ContentFile(b"2"))
        with pytest.raises(BotoCoreError):
            storage.exists("before.txt")
        server.start()
        assert storage.exists("before.txt")
        assert not storage.exists("during.txt")
        storage.save("after.txt", ContentFile(b"3"))
        with storage.open("after.txt") as f:
            assert f.read() == b"3"
    finally:
        server.stop()
