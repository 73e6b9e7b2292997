"""The "storages" app's collectstatic on SeaweedFS: Django's results, concurrent uploads.

The tests' INSTALLED_APPS lists staticfiles first, so ``call_command("collectstatic")``
is Django's command; these tests pass an instance of ours.
"""

from __future__ import annotations

import io
import re
import threading
from typing import ClassVar

import django
import pytest
import test_static_support as support
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from storages.backends.s3 import S3ManifestStaticStorage, S3StaticStorage
from storages.management.commands.collectstatic import Command

pytestmark = pytest.mark.integration
make_site = support.make_site

PLAIN = support.PLAIN
MANIFEST = support.MANIFEST
summary = support.summary
BOTH = pytest.mark.parametrize("pair", [PLAIN, MANIFEST], ids=["plain", "manifest"])
#: Django 6.0 counts deletions in the summary and logs each one at verbosity 2 only.
COUNTS_DELETIONS = django.VERSION >= (6, 0)


def run(site: support.StaticSite, *args: str, **options: object) -> str:
    return site.collectstatic(*args, command=Command(), **options)


@BOTH
def test_first_run_writes_what_django_writes_with_one_put_per_file(make_site, tmp_path, pair):
    site = make_site(pair[0])
    output = run(site)
    support.collect_locally(site.root, tmp_path / "django", pair[1])
    local = support.tree_files(tmp_path / "django")
    assert site.bucket_objects() == local
    assert site.counter.by_operation() == {"ListObjectsV2": 1, "PutObject": len(local)}
    assert summary(output).startswith("9 static files copied")


@BOTH
def test_touching_every_source_uploads_nothing(make_site, pair):
    site = make_site(pair[0])
    run(site)
    before = site.bucket_objects()
    for name in support.SOURCES:
        site.touch(name)
    output = run(site)
    assert site.counter.by_operation() == {"ListObjectsV2": 1}
    assert site.bucket_objects() == before
    assert summary(output).startswith("0 static files copied, 9 unmodified")


def test_changed_file_is_uploaded_and_reported(make_site):
    site = make_site()
    run(site)
    site.write("js/app.js", b"console.log('v2');\n")
    output = run(site, verbosity=2)
    assert site.counter.by_operation() == {"ListObjectsV2": 1, "PutObject": 1}
    assert site.bucket_objects()["js/app.js"] == b"console.log('v2');\n"
    assert f"Copying '{site.root / 'js' / 'app.js'}'" in output
    assert "Skipping 'css/app.css' (not modified)" in output
    assert summary(output) == "1 static file copied, 8 unmodified."


def test_upload_unchanged_sends_touched_files_again(make_site):
    site = make_site()
    run(site)
    site.touch("robots.txt")
    output = run(site, "--upload-unchanged")
    assert site.counter.by_operation() == {"ListObjectsV2": 1, "PutObject": 1}
    assert summary(output) == "1 static file copied, 8 unmodified."


@BOTH
def test_clear_deletes_in_one_batch_then_recollects(make_site, tmp_path, pair):
    site = make_site(pair[0])
    run(site)
    site.client.put_object(Bucket=site.bucket, Key="old/stale.css", Body=b"x")
    site.client.put_object(Bucket=site.bucket, Key="css/", Body=b"")
    stored = len(site.bucket_objects()) - 1  # less the "directory" marker
    output = run(site, "--clear")
    support.collect_locally(site.root, tmp_path / "django", pair[1])
    local = support.tree_files(tmp_path / "django")
    objects = site.bucket_objects()
    # Like Django's clear_dir(), a "directory" marker object is left alone.
    assert objects.pop("css/") == b""
    assert objects == local
    assert site.counter.by_operation() == {
        "ListObjectsV2": 1,
        "DeleteObjects": 1,
        "PutObject": len(local),
    }
    if COUNTS_DELETIONS:
        assert "Deleting" not in output
        assert summary(output).startswith(f"{stored} static files deleted, 9 static files copied")
    else:
        assert "Deleting 'old/stale.css'" in output
        assert summary(output).startswith("9 static files copied")


@BOTH
def test_clear_reports_what_djangos_command_reports(make_site, pair):
    site = make_site(pair[0])
    run(site)
    site.client.put_object(Bucket=site.bucket, Key="old/stale.css", Body=b"x")
    ours = run(site, "--clear", verbosity=2)
    site.client.put_object(Bucket=site.bucket, Key="old/stale.css", Body=b"x")
    theirs = site.collectstatic("--clear", verbosity=2)
    deletions = re.compile(r"^(?:Deleting|Pretending to delete) .*$", re.MULTILINE)
    assert deletions.findall(ours) == deletions.findall(theirs)
    assert summary(ours) == summary(theirs)


@pytest.mark.parametrize("verbosity", [1, 2])
def test_clear_logs_deletions_in_djangos_order(make_site, verbosity):
    site = make_site()
    run(site)
    output = run(site, "--clear", "--dry-run", verbosity=verbosity)
    deleted = re.findall(r"Pretending to delete '(.+)'", output)
    if COUNTS_DELETIONS and verbosity == 1:
        assert deleted == []
        assert summary(output) == "9 static files deleted, 0 static files copied, 9 unmodified."
        return
    # Each directory's files first, then its subdirectories, as clear_dir() walks.
    assert deleted == [
        "robots.txt",
        "css/app.css",
        "css/base.css",
        "css/plain.css",
        "data/config.json",
        "img/bg.svg",
        "img/logo.png",
        "js/app.js",
        "js/app.js.map",
    ]
    assert site.counter.by_operation() == {"ListObjectsV2": 1}


def test_dry_run_and_ignore(make_site):
    site = make_site()
    output = run(site, "--dry-run", "--ignore", "*.map")
    assert site.bucket_objects() == {}
    assert site.counter.by_operation() == {"ListObjectsV2": 1}
    assert summary(output) == "8 static files copied."
    run(site, "--ignore", "*.map")
    assert "js/app.js.map" not in site.bucket_objects()


class _RejectSome(S3StaticStorage):
    """Asks S3 for an invalid storage class for two files."""

    def get_object_parameters(self, name):
        if name in ("css/plain.css", "robots.txt"):
            return {"StorageClass": "NOT-A-CLASS"}
        return super().get_object_parameters(name)


def test_each_failed_upload_is_reported_and_the_run_fails(make_site):
    site = make_site("test_collectstatic_app._RejectSome")
    stderr = io.StringIO()
    with pytest.raises(CommandError, match=re.escape("2 of 9 static files could not be copied.")):
        call_command(Command(), interactive=False, verbosity=0, stdout=io.StringIO(), stderr=stderr)
    reason = (
        "An error occurred (InvalidStorageClass) when calling the PutObject operation: "
        "The storage class you specified is not valid"
    )
    assert sorted(stderr.getvalue().splitlines()) == [
        f"Could not copy 'css/plain.css': {reason}",
        f"Could not copy 'robots.txt': {reason}",
    ]
    assert sorted(site.bucket_objects()) == sorted(
        set(support.SOURCES) - {"css/plain.css", "robots.txt"}
    )


class _Rendezvous(S3StaticStorage):
    """Holds each of the first three uploads until all three are in flight."""

    barrier = threading.Barrier(3, timeout=30)

    def get_object_parameters(self, name):
        if name in ("css/app.css", "css/base.css", "css/plain.css"):
            self.barrier.wait()
        return super().get_object_parameters(name)


def test_uploads_run_concurrently(make_site):
    _Rendezvous.barrier.reset()
    site = make_site("test_collectstatic_app._Rendezvous")
    output = run(site, "--workers", "3")
    assert summary(output) == "9 static files copied."


def test_workers_must_be_positive(make_site):
    site = make_site()
    with pytest.raises(CommandError, match=re.escape("--workers must be at least 1; got 0.")):
        run(site, "--workers", "0")


def test_link_is_refused_as_django_refuses_it(make_site):
    site = make_site()
    with pytest.raises(CommandError, match=re.escape("Can't symlink to a remote destination.")):
        run(site, "--link")


class _OwnSave(S3StaticStorage):
    """A subclass with its own _save: the command must run it."""

    saved: ClassVar[list[str]] = []

    def _save(self, name, content):
        self.saved.append(name)
        return super()._save(name, content)


def test_a_storage_with_its_own_save_gets_it_called(make_site):
    _OwnSave.saved = []
    site = make_site("test_collectstatic_app._OwnSave")
    run(site)
    assert sorted(_OwnSave.saved) == sorted(support.SOURCES)
    assert site.bucket_objects() == support.SOURCES


def test_any_other_storage_gets_djangos_command(make_site, tmp_path):
    make_site()  # the source tree
    target = tmp_path / "local"
    with override_settings(
        STORAGES=support.staticfiles_settings(PLAIN[1], {}), STATIC_ROOT=str(target)
    ):
        out = io.StringIO()
        call_command(Command(), interactive=False, verbosity=1, stdout=out, workers=2)
    assert support.tree_files(target) == support.SOURCES
    assert summary(out.getvalue()) == f"9 static files copied to '{target}'."


def test_gzip_is_applied_and_unchanged_gzipped_files_are_not_sent_again(make_site, s3_client):
    site = make_site(gzip=True)
    run(site)
    head = s3_client.head_object(Bucket=site.bucket, Key="css/app.css")
    assert head["ContentEncoding"] == "gzip"
    for name in support.SOURCES:
        site.touch(name)
    run(site)
    assert site.counter.by_operation() == {"ListObjectsV2": 1}


HASHED = re.compile(r"\.[0-9a-f]{12}\.")


def test_post_processed_files_are_uploaded_concurrently(make_site, tmp_path):
    site = make_site(MANIFEST[0], sources={f"img/{n}.png": bytes([n]) * 10 for n in range(3)})
    barrier = threading.Barrier(3, timeout=30)

    def rendezvous(request, **kwargs):
        # Each hashed copy's PUT waits until all three are being sent at once.
        if request.method == "PUT" and HASHED.search(request.url):
            barrier.wait()

    site.storage.connection.meta.client.meta.events.register("before-send.s3", rendezvous)
    output = run(site, "--workers", "3")
    assert summary(output) == "3 static files copied, 3 post-processed."
    support.collect_locally(site.root, tmp_path / "django", MANIFEST[1])
    assert site.bucket_objects() == support.tree_files(tmp_path / "django")


class _RejectHashed(S3ManifestStaticStorage):
    """Asks S3 for an invalid storage class for the hashed copies of stylesheets."""

    def get_object_parameters(self, name):
        if name.startswith("css/") and HASHED.search(name):
            return {"StorageClass": "NOT-A-CLASS"}
        return super().get_object_parameters(name)


def test_failed_post_processed_uploads_are_reported_and_no_manifest_is_written(make_site):
    site = make_site("test_collectstatic_app._RejectHashed")
    stderr = io.StringIO()
    with pytest.raises(
        CommandError, match=re.escape("3 post-processed files could not be uploaded.")
    ):
        call_command(Command(), interactive=False, verbosity=0, stdout=io.StringIO(), stderr=stderr)
    lines = stderr.getvalue().splitlines()
    assert len(lines) == 3
    for line in lines:
        assert re.fullmatch(
            r"Could not upload 'css/\w+\.[0-9a-f]{12}\.css': An error occurred "
            r"\(InvalidStorageClass\) when calling the PutObject operation: "
            r"The storage class you specified is not valid",
            line,
        ), line
    assert "staticfiles.json" not in site.bucket_objects()
