"""The listing view: exact S3 requests (botocore Stubber) and its answers.

No server: the storage's client is stubbed, so each test sees exactly the
ListObjectsV2 / DeleteObjects / DeleteObject requests the view sends.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from botocore.stub import Stubber
from django.contrib.staticfiles.management.commands import collectstatic

from storages.backends._s3.protocol import MAX_DELETE_KEYS
from storages.backends._s3.static.listing import ListingView
from storages.backends._s3.static.scope import running_collectstatic
from storages.backends.s3 import S3StaticStorage

WHEN = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)
MD5 = "5d41402abc4b2a76b9719d911017c592"  # md5(b"hello")


@pytest.fixture
def storage():
    storage = S3StaticStorage(
        bucket_name="static",
        location="site",
        access_key="test-key",
        secret_key="test-secret",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
    )
    with Stubber(storage.connection.meta.client) as stubber:
        storage.stubber = stubber
        yield storage
        stubber.assert_no_pending_responses()


def listing(*keys: str, token: str | None = None, etag: str = MD5) -> dict:
    page: dict = {
        "Contents": [
            {"Key": key, "ETag": f'"{etag}"', "LastModified": WHEN, "Size": 5} for key in keys
        ],
        "IsTruncated": token is not None,
    }
    if token is not None:
        page["NextContinuationToken"] = token
    return page


def expect_listing(storage, *pages: dict) -> None:
    token = None
    for page in pages:
        params = {"Bucket": "static", "Prefix": "site/"}
        if token is not None:
            params["ContinuationToken"] = token
        storage.stubber.add_response("list_objects_v2", page, params)
        token = page.get("NextContinuationToken")


def test_one_paginated_listing_of_the_location_answers_every_question(storage):
    expect_listing(
        storage,
        listing("site/css/app.css", "site/css/", token="next"),
        listing("site/img/deep/logo.png", "site/robots.txt"),
    )
    view = ListingView(storage)
    assert view.exists("site/css/app.css")
    assert view.exists("site/css")
    assert view.exists("site/css/")
    assert view.exists("site/img")
    assert view.exists("site/img/deep")
    assert view.exists("site/")
    assert not view.exists("site/img/logo.png")
    assert not view.exists("site/cs")
    assert view.last_modified("site/robots.txt") == WHEN
    assert view.digest("site/robots.txt") == MD5
    with pytest.raises(FileNotFoundError, match=re.escape("File does not exist: site/nope.css")):
        view.last_modified("site/nope.css")


def test_listdir_answers_as_a_delimiter_listing(storage):
    expect_listing(
        storage, listing("site/css/", "site/css/a.css", "site/css/sub/b.css", "site/z.txt")
    )
    view = ListingView(storage)
    assert view.listdir("site/") == (["css"], ["z.txt"])
    assert view.listdir("site/css/") == (["sub"], ["a.css"])
    assert view.listdir("site/missing/") == ([], [])


def test_a_multipart_etag_never_matches_a_digest(storage):
    expect_listing(storage, listing("site/big.bin", etag=f"{MD5}-3"))
    view = ListingView(storage)
    assert not view.holds("site/big.bin", MD5)


def test_saves_and_deletes_keep_the_view_current(storage):
    expect_listing(storage, listing("site/a.css"))
    view = ListingView(storage)
    view.saved("site/new/b.css", "0" * 32)
    assert view.exists("site/new")
    # Written through the view: S3 chose the time, so it must be asked.
    assert view.last_modified("site/new/b.css") is None
    assert view.defer_delete("site/a.css") is False  # not held: the caller sends it
    view.deleted("site/a.css")
    assert not view.exists("site/a.css")
    # Deleting what is not stored needs no request.
    assert view.defer_delete("site/a.css") is True


def test_a_held_delete_followed_by_the_same_bytes_sends_nothing(storage):
    expect_listing(storage, listing("site/a.css"))
    view = ListingView(storage)
    with view.holding():
        assert view.defer_delete("site/a.css") is True
        assert not view.exists("site/a.css")
        assert view.holds("site/a.css", MD5)
    assert view.exists("site/a.css")
    assert view.last_modified("site/a.css") == WHEN


@pytest.mark.parametrize(
    ("file_overwrite", "written"),
    [(True, "site/b.css"), (False, "site/a.css")],
    ids=["next write of another key", "create-only save of new bytes"],
)
def test_a_held_delete_is_sent_before_a_write_that_needs_it(storage, file_overwrite, written):
    storage.file_overwrite = file_overwrite
    expect_listing(storage, listing("site/a.css"))
    storage.stubber.add_response("delete_object", {}, {"Bucket": "static", "Key": "site/a.css"})
    view = ListingView(storage)
    with view.holding():
        view.defer_delete("site/a.css")
        assert not view.holds(written, "1" * 32)


def test_held_deletes_left_at_the_end_of_the_block_are_sent_in_one_batch(storage):
    expect_listing(storage, listing("site/a.css", "site/b.css"))
    storage.stubber.add_response(
        "delete_objects",
        {},
        {
            "Bucket": "static",
            "Delete": {"Objects": [{"Key": "site/a.css"}, {"Key": "site/b.css"}], "Quiet": True},
        },
    )
    view = ListingView(storage)
    with view.holding():
        view.defer_delete("site/a.css")
        view.defer_delete("site/b.css")
    assert view.stored_keys() == []


def test_delete_many_sends_a_thousand_keys_a_request(storage):
    keys = [f"site/f{i:04}.css" for i in range(MAX_DELETE_KEYS + 1)]
    expect_listing(storage, listing(*keys[:1000], token="t"), listing(keys[1000]))
    for batch in (keys[:1000], keys[1000:]):
        storage.stubber.add_response(
            "delete_objects",
            {},
            {
                "Bucket": "static",
                "Delete": {"Objects": [{"Key": key} for key in batch], "Quiet": True},
            },
        )
    view = ListingView(storage)
    assert view.delete_many(view.stored_keys()) == []
    assert view.stored_keys() == []


def test_delete_many_reports_what_s3_refused(storage):
    expect_listing(storage, listing("site/a.css", "site/b.css"))
    storage.stubber.add_response(
        "delete_objects",
        {"Errors": [{"Key": "site/b.css", "Code": "AccessDenied", "Message": "Access Denied"}]},
    )
    view = ListingView(storage)
    view.load()
    assert view.delete_many(["site/a.css", "site/b.css"]) == [
        ("site/b.css", "AccessDenied: Access Denied")
    ]
    assert view.stored_keys() == ["site/b.css"]


def test_a_refused_listing_falls_back_to_asking_s3_per_key(storage):
    storage.stubber.add_client_error(
        "list_objects_v2", service_error_code="AccessDenied", http_status_code=403
    )
    view = ListingView(storage)
    assert view.load() is False
    assert view.usable is False


def test_other_listing_errors_propagate(storage):
    storage.stubber.add_client_error(
        "list_objects_v2", service_error_code="NoSuchBucket", http_status_code=404
    )
    with pytest.raises(Exception, match="NoSuchBucket"):
        ListingView(storage).load()


def test_explicit_view_is_used_only_inside_the_block_and_not_by_other_code(storage):
    expect_listing(storage, listing("site/a.css"))
    assert storage._active_listing() is None
    with storage.listing_view() as view:
        assert storage._active_listing() is view
        assert storage.exists("a.css")
        with storage.listing_view() as inner:
            assert inner is view
    assert storage._active_listing() is None


def test_no_command_is_running_outside_collect(storage):
    assert running_collectstatic(storage) is None


def test_a_running_command_is_found_only_for_its_own_storage(storage, monkeypatch):
    found: list[object] = []

    class Command(collectstatic.Command):
        def __init__(self) -> None:
            super().__init__()
            self.storage = storage

        def clear_dir(self, path):
            found.append(running_collectstatic(storage))
            found.append(running_collectstatic(object()))

    command = Command()
    command.set_options(
        interactive=False,
        verbosity=0,
        link=False,
        clear=True,
        dry_run=True,
        ignore_patterns=[],
        use_default_ignore_patterns=True,
        post_process=False,
    )
    monkeypatch.setattr(collectstatic, "get_finders", lambda: [])
    command.collect()
    assert found == [command, None]
