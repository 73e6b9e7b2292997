"""Django's own collectstatic command on S3: Django's results, one listing's requests.

Each scenario runs the stock command twice: against the bucket, and with
Django's own storage (StaticFilesStorage / ManifestStaticFilesStorage) into a
local directory. The bucket must end up holding exactly the files, with
exactly the bytes, that Django's storage wrote; the request counts show the
listing at work.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import test_static_support as support
from django.contrib.staticfiles.management.commands import collectstatic
from django.test import override_settings

from storages.backends.s3 import S3Storage

pytestmark = pytest.mark.integration
make_site = support.make_site

PLAIN = support.PLAIN
MANIFEST = support.MANIFEST
summary = support.summary


class Twin:
    """Runs the same collectstatic against the bucket and Django's local storage."""

    def __init__(self, site: support.StaticSite, django_backend: str, target: Path) -> None:
        self.site = site
        self.django_backend = django_backend
        self.target = target

    def run(self, *args: str, **options: object) -> str:
        output = self.site.collectstatic(*args, **options)
        support.collect_locally(self.site.root, self.target, self.django_backend, *args, **options)
        return output

    def assert_same_files(self) -> None:
        assert self.site.bucket_objects() == support.tree_files(self.target)


@pytest.fixture
def make_twin(make_site, tmp_path):
    def factory(pair: tuple[str, str], **options: object) -> Twin:
        backend, django_backend = pair
        return Twin(make_site(backend, **options), django_backend, tmp_path / "django-static")

    return factory


@pytest.fixture
def twin(make_twin, request):
    return make_twin(request.param)


TWINS = pytest.mark.parametrize("twin", [PLAIN, MANIFEST], ids=["plain", "manifest"], indirect=True)


@TWINS
def test_first_run_writes_what_django_writes_with_one_request_per_file(twin):
    output = twin.run()
    twin.assert_same_files()
    written = len(support.tree_files(twin.target))
    # One listing, one PUT per file Django wrote; no HEAD, no GET.
    assert twin.site.counter.by_operation() == {"ListObjectsV2": 1, "PutObject": written}
    assert summary(output).startswith("9 static files copied")


@TWINS
def test_rerun_with_nothing_changed_costs_one_listing(twin):
    twin.run()
    output = twin.run()
    twin.assert_same_files()
    assert twin.site.counter.by_operation() == {"ListObjectsV2": 1}
    assert summary(output).startswith("0 static files copied, 9 unmodified")


def test_rerun_after_changing_a_file_uploads_it_once(make_site, tmp_path):
    twin = Twin(make_site(PLAIN[0]), PLAIN[1], tmp_path / "django-static")
    twin.run()
    twin.site.write("css/plain.css", b"p { color: blue; }\n")
    output = twin.run()
    twin.assert_same_files()
    # Django deletes the old file, then saves: here the PUT replaces it in one request.
    assert twin.site.counter.by_operation() == {"ListObjectsV2": 1, "PutObject": 1}
    assert summary(output) == "1 static file copied, 8 unmodified."


def test_manifest_rerun_after_changing_a_file(make_site, tmp_path):
    twin = Twin(make_site(MANIFEST[0]), MANIFEST[1], tmp_path / "django-static")
    twin.run()
    twin.site.write("img/bg.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="1"/>\n')
    twin.run()
    twin.assert_same_files()
    # The original, its new hashed copy, base.css and app.css (which refer to
    # it, so their hashed names change) and the manifest: 5 PUTs, no GET.
    assert twin.site.counter.by_operation() == {"ListObjectsV2": 1, "PutObject": 5}


@TWINS
def test_touched_file_with_the_same_bytes_is_not_uploaded_again(twin):
    twin.run()
    twin.site.touch("css/plain.css")
    output = twin.run()
    twin.assert_same_files()
    assert twin.site.counter.by_operation() == {"ListObjectsV2": 1}
    # Django's command still counts it as copied: it asked for the save.
    assert summary(output).startswith("1 static file copied, 8 unmodified")


@TWINS
def test_a_deleted_source_leaves_its_collected_copy_as_django_does(twin):
    twin.run()
    (twin.site.root / "robots.txt").unlink()
    twin.run()
    twin.assert_same_files()
    assert "robots.txt" in twin.site.bucket_objects()


@TWINS
def test_clear_deletes_everything_collected_before_and_recollects(twin):
    twin.run()
    (twin.site.root / "data" / "config.json").unlink()
    twin.site.client.put_object(Bucket=twin.site.bucket, Key="old/stale.css", Body=b"x")
    (twin.target / "old").mkdir()
    (twin.target / "old" / "stale.css").write_bytes(b"x")
    before = len(twin.site.bucket_objects())
    twin.run("--clear")
    twin.assert_same_files()
    counts = twin.site.counter.by_operation()
    # One listing answers every exists() and listdir(); Django deletes file by file.
    assert counts["ListObjectsV2"] == 1
    assert counts["DELETE"] == before
    assert "HeadObject" not in counts
    assert "GetObject" not in counts


@TWINS
def test_dry_run_writes_nothing(twin):
    twin.run()
    twin.site.write("css/plain.css", b"p { color: green; }\n")
    before = twin.site.bucket_objects()
    output = twin.site.collectstatic("--dry-run")
    assert twin.site.bucket_objects() == before
    assert twin.site.counter.by_operation() == {"ListObjectsV2": 1}
    assert f"Pretending to copy '{twin.site.root / 'css' / 'plain.css'}'" in output


@TWINS
def test_ignore_patterns_leave_files_out(twin):
    twin.run("--ignore", "*.txt", "--ignore", "data")
    twin.assert_same_files()
    keys = twin.site.bucket_objects()
    assert not [key for key in keys if key.endswith(".txt") or key.startswith("data/")]


@pytest.mark.parametrize("pair", [PLAIN, MANIFEST], ids=["plain", "manifest"])
def test_with_the_listing_off_s3_is_asked_per_file_for_the_same_files(make_twin, pair):
    twin = make_twin(pair, collectstatic_listing=False)
    twin.run()
    twin.assert_same_files()
    counts = twin.site.counter.by_operation()
    assert "ListObjectsV2" not in counts
    # exists() for each of the 9 files at least (the manifest storage asks more).
    assert counts["HeadObject"] >= 9
    assert "GetObject" not in counts


def test_location_prefix_lists_and_clears_only_the_location(make_site, s3_client, bucket_name):
    site = make_site(location="static")
    s3_client.put_object(Bucket=bucket_name, Key="media/upload.txt", Body=b"keep me")
    site.collectstatic()
    site.collectstatic("--clear")
    objects = site.bucket_objects()
    assert objects["media/upload.txt"] == b"keep me"
    assert sorted(key for key in objects if key.startswith("static/")) == sorted(
        f"static/{name}" for name in support.SOURCES
    )
    listing = [url for method, url in site.counter.sent if method == "GET"]
    assert len(listing) == 1
    assert "prefix=static%2F" in listing[0]


@pytest.fixture
def no_time_zone_support():
    # A fixture requested before make_site, so that it is undone after make_site's
    # own settings override: as a decorator it was undone first, and make_site's
    # teardown then restored USE_TZ=False for every later test.
    with override_settings(USE_TZ=False):
        yield


def test_rerun_without_time_zone_support_skips_unmodified_files(no_time_zone_support, make_site):
    site = make_site()
    site.collectstatic()
    output = site.collectstatic()
    assert site.counter.by_operation() == {"ListObjectsV2": 1}
    assert summary(output) == "0 static files copied, 9 unmodified."


# -- outside the run: S3 is asked ----------------------------------------------


def test_after_the_run_exists_and_modified_time_ask_s3(make_site):
    site = make_site()
    site.collectstatic()
    site.counter.reset()
    storage = site.storage
    assert storage.exists("css/app.css")
    assert not storage.exists("css/missing.css")
    storage.get_modified_time("css/app.css")
    assert site.counter.by_operation() == {"HeadObject": 3}


class _ObservingCommand(collectstatic.Command):
    """Django's command, noting which calls see a listing view during the run."""

    seen: list[tuple[str, bool]]

    def copy_file(self, path, prefixed_path, source_storage):
        storage = self.storage._wrapped
        self.seen.append(("main thread", storage._active_listing() is not None))
        other: list[bool] = []
        thread = threading.Thread(
            target=lambda: other.append(storage._active_listing() is not None)
        )
        thread.start()
        thread.join()
        self.seen.append(("other thread", other[0]))
        return super().copy_file(path, prefixed_path, source_storage)


def test_only_the_commands_own_thread_sees_the_listing(make_site):
    site = make_site()
    command = _ObservingCommand()
    command.seen = []
    site.collectstatic(command=command)
    assert set(command.seen) == {("main thread", True), ("other thread", False)}


def test_another_storage_called_during_the_run_asks_s3(make_site, s3_server, bucket_name):
    site = make_site()
    other = S3Storage(**s3_server.storage_options(bucket_name))
    seen: list[bool] = []

    class Command(collectstatic.Command):
        def copy_file(self, path, prefixed_path, source_storage):
            seen.append(other._active_listing() is not None)
            return super().copy_file(path, prefixed_path, source_storage)

    site.collectstatic(command=Command())
    assert seen == [False] * 9


def test_each_run_lists_afresh(make_site, s3_client, bucket_name):
    site = make_site()
    site.collectstatic()
    s3_client.delete_object(Bucket=bucket_name, Key="robots.txt")
    output = site.collectstatic()
    assert summary(output) == "1 static file copied, 8 unmodified."
    assert "robots.txt" in site.bucket_objects()


def test_changed_file_keeps_its_name_with_file_overwrite_off(make_site):
    site = make_site(file_overwrite=False)
    site.collectstatic()
    site.write("css/plain.css", b"p { color: purple; }\n")
    output = site.collectstatic()
    assert summary(output) == "1 static file copied, 8 unmodified."
    objects = site.bucket_objects()
    assert objects["css/plain.css"] == b"p { color: purple; }\n"
    assert sorted(objects) == sorted(support.SOURCES)
