"""The pytest plugin users get (storages.testing.pytest_plugin), run as a user's suite would."""

from __future__ import annotations

import os
import sys
import tempfile

import pytest

from storages.testing.seaweedfs import SeaweedFS

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.integration

PLUGIN = "storages.testing.pytest_plugin"

# A user's conftest.py: Django settings and nothing about s3storages, since
# pytest loads the plugin through its entry point.
USER_CONFTEST = """
import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        USE_TZ=True,
        SECRET_KEY="not-secret",
        INSTALLED_APPS=["django.contrib.staticfiles"],
        STATIC_URL="/static/",
    )
    django.setup()
"""

USER_TESTS_ON_SEAWEEDFS = """
import urllib.request

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage, storages

from storages.backends.s3 import S3ManifestStaticStorage, S3Storage

SEEN = []


def test_storage_round_trip(s3_storage, seaweedfs_server, s3_bucket):
    name = s3_storage.save("docs/a.txt", ContentFile(b"hello"))
    raw = seaweedfs_server.client().get_object(Bucket=s3_bucket, Key="docs/a.txt")
    assert raw["Body"].read() == b"hello"
    with urllib.request.urlopen(s3_storage.url(name), timeout=10) as response:
        assert response.read() == b"hello"
    SEEN.append(s3_bucket)


def test_each_test_gets_a_fresh_bucket_and_old_ones_go(s3_storage, seaweedfs_server, s3_bucket):
    assert s3_storage.listdir("") == ([], [])
    names = [b["Name"] for b in seaweedfs_server.client().list_buckets()["Buckets"]]
    assert names == [s3_bucket]
    assert SEEN and SEEN[0] != s3_bucket


def test_factory_takes_options_and_classes(make_s3_storage):
    storage = make_s3_storage(location="media", file_overwrite=False)
    first = storage.save("a.txt", ContentFile(b"1"))
    second = storage.save("a.txt", ContentFile(b"2"))
    assert first == "a.txt" and second != "a.txt"
    static = make_s3_storage(S3ManifestStaticStorage)
    assert type(static) is S3ManifestStaticStorage


def test_default_storage_is_s3_during_the_test(s3_default_storage, s3_bucket):
    assert isinstance(s3_default_storage, S3Storage)
    assert s3_default_storage.bucket_name == s3_bucket
    name = default_storage.save("up.txt", ContentFile(b"x"))
    assert s3_default_storage.exists(name)


def test_default_storage_is_restored_afterwards():
    assert isinstance(storages["default"], FileSystemStorage)
"""


@pytest.fixture
def user_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(USER_CONFTEST)
    return pytester


def test_fixtures_on_a_real_server(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_user=USER_TESTS_ON_SEAWEEDFS)
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", timeout=180)
    result.assert_outcomes(passed=5)


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to start SeaweedFS fail the (in-process) inner run."""

    def refuse(self: SeaweedFS) -> SeaweedFS:
        raise AssertionError("a SeaweedFS server was started")

    monkeypatch.setattr(SeaweedFS, "start", refuse)


@pytest.mark.usefixtures("no_server")
def test_plugin_is_loaded_and_starts_nothing_unless_used(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(
        test_user=f"""
        def test_plugin_is_active(request):
            assert request.config.pluginmanager.has_plugin({PLUGIN!r})

        def test_fixture_is_available(request):
            assert request.getfixturevalue("s3_bucket") is not None
        """
    )
    result = user_project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: a SeaweedFS server was started"])


@pytest.mark.usefixtures("no_server")
def test_memory_storage_needs_no_server(user_project: pytest.Pytester) -> None:
    # Listing the plugin as well as loading it through the entry point is harmless.
    user_project.makeconftest(USER_CONFTEST + f"\npytest_plugins = [{PLUGIN!r}]\n")
    user_project.makepyfile(
        test_user="""
        import urllib.parse

        from django.core.files.base import ContentFile

        def test_round_trip(memory_s3_storage):
            name = memory_s3_storage.save("a.txt", ContentFile(b"hi"))
            assert memory_s3_storage.open(name).read() == b"hi"
            assert memory_s3_storage.listdir("") == ([], ["a.txt"])
            url = urllib.parse.urlsplit(memory_s3_storage.url(name))
            assert (url.netloc, url.path) == ("memory-bucket.s3.amazonaws.com", "/a.txt")

        def test_each_test_starts_empty(make_memory_s3_storage):
            storage = make_memory_s3_storage(bucket_name="other", location="media")
            assert storage.listdir("") == ([], [])
            storage.save("b.txt", ContentFile(b"b"))
            first = make_memory_s3_storage()
            assert first.listdir("") == ([], [])
        """
    )
    result = user_project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_memory_storage_without_moto_says_what_to_install(
    user_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)
    user_project.makepyfile(test_user="def test_it(memory_s3_storage):\n    pass\n")
    result = user_project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["The in-memory S3 fixtures need moto: pip install 'moto>=5'."])


def test_stopping_a_server_keeps_the_sockets_of_a_later_one() -> None:
    # SeaweedFS talks to itself over unix sockets in the temp dir, named after
    # each port; a server that stops must remove only its own.
    first = SeaweedFS().start()
    try:
        with SeaweedFS() as second:
            s3_socket = os.path.join(tempfile.gettempdir(), f"seaweedfs-s3-{second.s3_port}.sock")
            assert os.path.exists(s3_socket)
            first.stop()
            assert os.path.exists(s3_socket)
            # A new bucket's first write makes the master reach the volume server's socket.
            second.create_bucket("after-the-other-stopped")
            client = second.client()
            client.put_object(Bucket="after-the-other-stopped", Key="k", Body=b"x")
            body = client.get_object(Bucket="after-the-other-stopped", Key="k")["Body"]
            assert body.read() == b"x"
    finally:
        first.stop()
