"""scandir(), stat() and delete_prefix() on SeaweedFS, with their request counts."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC

import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile
from django.test import override_settings

from helpers import put_objects
from storages.backends.s3 import S3Storage
from storages.bulk import Entry

pytestmark = pytest.mark.integration

BIG = 2500


def _keys(client, bucket):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture(scope="module")
def big_bucket(s3_server):
    """A bucket with 2,500 files of distinct sizes under loc/big/, read by several tests."""
    name = f"t-{uuid.uuid4().hex[:20]}"
    s3_server.create_bucket(name)
    put_objects(
        s3_server.client(),
        name,
        {f"loc/big/{index:05d}.bin": b"x" * (index % 97) for index in range(BIG)},
    )
    return name


@pytest.fixture
def big_storage(s3_server, big_bucket):
    return S3Storage(**s3_server.storage_options(big_bucket, location="loc"))


@pytest.fixture
def tree(make_storage, s3_client, bucket_name):
    """A storage on location "loc" with a small tree, plus keys beside it."""
    # The directory markers first, one at a time, before the files of their
    # directories: a loaded CI run once listed the four files without the two
    # markers when all were written at once (not reproduced in 25 tries here).
    for marker in ("loc/docs/", "loc/docs/sub/"):
        s3_client.put_object(Bucket=bucket_name, Key=marker, Body=b"")
    put_objects(
        s3_client,
        bucket_name,
        {
            "loc/docs/a.txt": b"a",
            "loc/docs/b.txt": b"bb",
            "loc/docs/sub/c.txt": b"ccc",
            "loc/docs/sub/deeper/d.txt": b"dddd",
            "loc/docsx/e.txt": b"e",  # beside "docs", not under it
            "loc/top.txt": b"t",
            "other/f.txt": b"f",  # outside the location
        },
    )
    return make_storage(location="loc")


def test_scandir_2500_files_with_sizes_and_dates_in_3_requests(big_storage, record_calls):
    recorder = record_calls(big_storage)

    entries = list(big_storage.scandir("big"))

    assert recorder.names == ["ListObjectsV2"] * 3
    assert [entry.name for entry in entries] == [f"{index:05d}.bin" for index in range(BIG)]
    assert [entry.size for entry in entries] == [index % 97 for index in range(BIG)]
    assert all(entry.path == f"big/{entry.name}" for entry in entries)
    assert not any(entry.is_dir for entry in entries)
    for entry in entries[:3] + entries[-3:]:
        assert entry.modified == big_storage.get_modified_time(entry.path)
        assert entry.modified.tzinfo is UTC
        assert entry.etag == hashlib.md5(b"x" * entry.size).hexdigest()  # noqa: S324


def test_scandir_streams_page_by_page(big_storage, record_calls):
    recorder = record_calls(big_storage)

    entries = big_storage.scandir("big")
    assert recorder.names == []  # nothing is listed before iteration starts
    first = next(entries)
    assert first.name == "00000.bin"
    assert recorder.names == ["ListObjectsV2"]
    for _ in range(999):
        next(entries)
    assert recorder.names == ["ListObjectsV2"]
    next(entries)
    assert recorder.names == ["ListObjectsV2"] * 2


def test_scandir_lists_one_level_with_directories(tree, record_calls):
    recorder = record_calls(tree)

    entries = list(tree.scandir("docs"))

    assert recorder.names == ["ListObjectsV2"]
    assert [(entry.name, entry.path, entry.is_dir, entry.size) for entry in entries] == [
        ("a.txt", "docs/a.txt", False, 1),
        ("b.txt", "docs/b.txt", False, 2),
        ("sub", "docs/sub", True, 0),
    ]
    assert entries[2] == Entry("sub", "docs/sub", 0, None, None, is_dir=True)
    assert tree.listdir("docs") == (["sub"], ["a.txt", "b.txt"])


def test_scandir_recursive_lists_every_file_below(tree):
    entries = list(tree.scandir("docs", recursive=True))

    assert [(entry.name, entry.size) for entry in entries] == [
        ("a.txt", 1),
        ("b.txt", 2),
        ("sub/c.txt", 3),
        ("sub/deeper/d.txt", 4),
    ]
    assert entries[3].path == "docs/sub/deeper/d.txt"
    with tree.open(entries[3].path) as f:
        assert f.read() == b"dddd"


@pytest.mark.parametrize("path", ["", ".", "./"])
def test_scandir_of_the_location(tree, path):
    assert [(entry.name, entry.is_dir) for entry in tree.scandir(path)] == [
        ("docs", True),
        ("docsx", True),
        ("top.txt", False),
    ]
    assert [entry.path for entry in tree.scandir(path, recursive=True)] == [
        "docs/a.txt",
        "docs/b.txt",
        "docs/sub/c.txt",
        "docs/sub/deeper/d.txt",
        "docsx/e.txt",
        "top.txt",
    ]


def test_scandir_of_a_missing_path_is_empty(tree):
    assert list(tree.scandir("nothing/here")) == []
    assert list(tree.scandir("doc")) == []  # a prefix of "docs", not a directory


def test_scandir_refuses_a_path_outside_the_location_at_the_call(tree, record_calls):
    recorder = record_calls(tree)
    with pytest.raises(SuspiciousOperation):
        tree.scandir("../other")
    assert recorder.names == []


@override_settings(USE_TZ=False, TIME_ZONE="America/New_York")
def test_scandir_dates_are_naive_local_without_use_tz(tree):
    entry = next(entry for entry in tree.scandir("docs") if entry.name == "a.txt")
    assert entry.modified.tzinfo is None
    assert entry.modified == tree.get_modified_time("docs/a.txt")
    assert tree.stat("docs/a.txt").modified == entry.modified


# -- stat --------------------------------------------------------------------------


def test_stat_is_one_head_with_every_field(make_storage, record_calls):
    storage = make_storage(
        location="loc",
        object_parameters={"Metadata": {"owner": "ada"}, "CacheControl": "max-age=60"},
    )
    name = storage.save("report.csv.gz", ContentFile(b"a,b\n1,2\n"))
    recorder = record_calls(storage)

    stat = storage.stat(name)

    assert recorder.names == ["HeadObject"]
    assert stat.name == "report.csv.gz"
    assert stat.size == 8
    assert stat.modified == storage.get_modified_time(name)
    assert stat.modified.tzinfo is UTC
    assert stat.etag == hashlib.md5(b"a,b\n1,2\n").hexdigest()  # noqa: S324
    assert stat.content_type == "text/csv"
    assert stat.content_encoding == "gzip"
    assert stat.metadata == {"owner": "ada"}
    assert stat.version_id is None


def test_stat_reports_the_current_version(storage, s3_client, bucket_name):
    s3_client.put_bucket_versioning(
        Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"}
    )
    s3_client.put_object(Bucket=bucket_name, Key="v.txt", Body=b"one")
    second = s3_client.put_object(Bucket=bucket_name, Key="v.txt", Body=b"two")

    stat = storage.stat("v.txt")

    assert stat.version_id == second["VersionId"]
    assert stat.size == 3


def test_stat_carries_the_sse_c_key(make_storage):
    key = "k" * 32
    storage = make_storage(
        object_parameters={"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}
    )
    storage.save("secret.txt", ContentFile(b"hidden"))

    assert storage.stat("secret.txt").size == 6


def test_stat_of_a_missing_file(storage):
    with pytest.raises(FileNotFoundError) as info:
        storage.stat("nope.txt")
    assert str(info.value) == "File does not exist: nope.txt"


# -- delete_prefix -----------------------------------------------------------------


def test_delete_prefix_deletes_the_directory_and_nothing_beside_it(tree, s3_client, bucket_name):
    assert tree.delete_prefix("docs") == 6  # four files and two markers

    assert _keys(s3_client, bucket_name) == ["loc/docsx/e.txt", "loc/top.txt", "other/f.txt"]
    assert tree.delete_prefix("docs") == 0


def test_delete_prefix_of_1001_files_lists_and_deletes_in_pages(
    make_storage, s3_client, bucket_name, record_calls
):
    put_objects(s3_client, bucket_name, {f"loc/d/{index:04d}": b"x" for index in range(1001)})
    put_objects(s3_client, bucket_name, {"loc/d.txt": b"kept", "loc/dd/kept": b"kept"})
    storage = make_storage(location="loc")
    recorder = record_calls(storage)

    assert storage.delete_prefix("d/") == 1001

    assert sorted(recorder.names) == ["DeleteObjects"] * 2 + ["ListObjectsV2"] * 2
    assert _keys(s3_client, bucket_name) == ["loc/d.txt", "loc/dd/kept"]


@pytest.mark.parametrize("path", ["", ".", "./", "docs/.."])
def test_delete_prefix_refuses_the_location(tree, s3_client, bucket_name, path, record_calls):
    recorder = record_calls(tree)
    with pytest.raises(ValueError) as info:
        tree.delete_prefix(path)
    assert str(info.value) == (
        f"delete_prefix({path!r}) would delete every file under the storage's location 'loc' "
        f"in the bucket {bucket_name!r}. Name a directory under it, or pass allow_root=True "
        "to delete them all."
    )
    assert recorder.names == []
    assert len(_keys(s3_client, bucket_name)) == 9


def test_delete_prefix_refuses_the_bucket_without_a_location(storage, bucket_name):
    with pytest.raises(ValueError) as info:
        storage.delete_prefix("")
    assert str(info.value) == (
        f"delete_prefix('') would delete every file in the bucket {bucket_name!r}. Name a "
        "directory under it, or pass allow_root=True to delete them all."
    )


def test_delete_prefix_allow_root_stays_inside_the_location(tree, s3_client, bucket_name):
    assert tree.delete_prefix("", allow_root=True) == 8
    assert _keys(s3_client, bucket_name) == ["other/f.txt"]


def test_delete_prefix_refuses_a_path_outside_the_location(tree, s3_client, bucket_name):
    with pytest.raises(SuspiciousOperation):
        tree.delete_prefix("../other")
    assert "other/f.txt" in _keys(s3_client, bucket_name)
