"""url() falls back to botocore: expected failures quietly, unexpected ones with one WARNING."""

from __future__ import annotations

import logging
import threading

import pytest
from botocore.exceptions import NoCredentialsError
from test_url_support import botocore_url, frozen_clock, make

from storages.backends._s3.urls import layout as _s3_url_layout
from storages.backends._s3.urls import url as _s3_url

# Fixtures used by name below (pytest finds them among this module's globals).
__all__ = ["frozen_clock"]

URL_LOGGER = "storages.backends._s3.urls.url"
LAYOUT_LOGGER = "storages.backends._s3.urls.layout"


@pytest.fixture
def probe_fails(monkeypatch):
    """Make reading the probe URL raise the given exception; return a setter."""
    monkeypatch.setattr(_s3_url_layout, "_SHARED", {})
    monkeypatch.setattr(_s3_url, "_UNEXPECTED_LOGGED", threading.Event())

    def fail_with(error: Exception) -> None:
        def broken(*args, **kwargs):
            raise error

        monkeypatch.setattr(_s3_url_layout, "_layout_from_probe", broken)

    return fail_with


def test_an_unexpected_probe_failure_is_one_warning_per_process(probe_fails, frozen_clock, caplog):
    probe_fails(RuntimeError("boom"))
    storages = [make(signature_version="s3v4"), make(signature_version="s3v4")]

    with caplog.at_level(logging.DEBUG, logger=URL_LOGGER):
        urls = [storage.url("a.txt") for storage in storages for _ in range(2)]

    assert urls == [botocore_url(storage, "a.txt") for storage in storages for _ in range(2)]
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage() for record in warnings] == [
        "Presigned URLs of bucket 'my-bucket' are left to botocore: building them locally "
        "failed unexpectedly (logged once per process)"
    ]
    assert warnings[0].exc_info is not None
    assert str(warnings[0].exc_info[1]) == "boom"
    # This storage does not probe again: botocore builds its URLs from now on.
    assert storages[0]._runtime.url.signed is None


def test_missing_credentials_are_expected_and_retried_quietly(probe_fails, frozen_clock, caplog):
    probe_fails(NoCredentialsError())
    storage = make(signature_version="s3v4")

    with caplog.at_level(logging.DEBUG, logger=URL_LOGGER):
        assert storage.url("a.txt") == botocore_url(storage, "a.txt")

    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == URL_LOGGER] == [
        ("DEBUG", "Presigning of bucket 'my-bucket' is left to botocore for now")
    ]
    assert type(storage._runtime.url.signed).__name__ == "_Retry"


def test_a_probe_url_we_cannot_parse_leaves_the_layout_to_botocore(
    probe_fails, frozen_clock, caplog
):
    probe_fails(ValueError("time data '2026' does not match format"))
    storage = make(signature_version="s3v4")

    with caplog.at_level(logging.DEBUG, logger=LAYOUT_LOGGER):
        assert storage.url("a.txt") == botocore_url(storage, "a.txt")

    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == LAYOUT_LOGGER] == [
        ("DEBUG", "Presigned URLs of bucket 'my-bucket' are left to botocore: unknown layout")
    ]
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert storage._runtime.url.signed is None
