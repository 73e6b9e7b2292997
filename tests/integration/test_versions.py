"""Versions in a bucket with versioning (SeaweedFS): open(), url() and stat() of one version."""

from __future__ import annotations

import urllib.request

import pytest
from django.core.files.base import ContentFile

pytestmark = pytest.mark.integration


@pytest.fixture
def versioned(make_storage, s3_client, bucket_name):
    s3_client.put_bucket_versioning(
        Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"}
    )
    storage = make_storage(location="media", file_overwrite=True)
    storage.save("doc.txt", ContentFile(b"first"))
    first = storage.stat("doc.txt").version_id
    storage.save("doc.txt", ContentFile(b"second version"))
    second = storage.stat("doc.txt").version_id
    return storage, first, second


def test_stat_reports_the_current_version(versioned):
    _, first, second = versioned
    assert first
    assert second
    assert first != second


def test_open_reads_a_version(versioned, record_calls):
    storage, first, _ = versioned
    recorder = record_calls(storage)
    with storage.open("doc.txt", version_id=first) as file:
        assert file.read() == b"first"
        assert file.size == len(b"first")
    assert all(params.get("VersionId") == first for params in recorder.params("GetObject"))
    assert all(params.get("VersionId") == first for params in recorder.params("HeadObject"))
    assert storage.open("doc.txt").read() == b"second version"
    assert storage.open("doc.txt", "rb").read() == b"second version"


def test_open_of_a_missing_version_raises(versioned):
    storage, *_ = versioned
    with pytest.raises(FileNotFoundError):
        storage.open("doc.txt", version_id="no-such-version").read()


def test_a_version_cannot_be_opened_for_writing(versioned):
    storage, first, _ = versioned
    with pytest.raises(ValueError, match="can be read, not written"):
        storage.open("doc.txt", "wb", version_id=first)


def test_url_links_a_version(versioned):
    storage, first, _ = versioned
    url = storage.url("doc.txt", version_id=first)
    assert "versionId=" in url
    with urllib.request.urlopen(url) as response:  # noqa: S310 - a presigned http URL
        assert response.read() == b"first"
    with urllib.request.urlopen(storage.url("doc.txt")) as response:  # noqa: S310
        assert response.read() == b"second version"
