"""One boto3 Session per storage: every thread's connections, the URL probe and credentials.

A session parses the S3 model and endpoint rules once for all the clients it
builds, so the storage keeps one (``storage._runtime.session``) unless a
subclass or an instance attribute overrides ``_create_session``; that
override is still called for every connection.
"""

from __future__ import annotations

import copy
import pickle
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from test_url_support import KEYS, frozen_clock, sessions

from storages.backends._s3.connections import own_client
from storages.backends.s3 import S3Storage

# Fixtures used by name below (pytest finds them among this module's globals).
__all__ = ["frozen_clock", "sessions"]

THREADS = 6


def fresh_bucket() -> str:
    """A bucket name no other test used: URL layouts are shared by settings, per process."""
    return f"b-{uuid.uuid4().hex[:16]}"


def in_threads(work: Any, count: int = THREADS) -> list[Any]:
    """Run ``work()`` in ``count`` threads started together; return their results."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def botocore_url(storage: S3Storage, name: str) -> str:
    """What the storage's connection presigns for ``name``: the reference url() matches."""
    connection = storage.connection if storage.querystring_auth else storage.unsigned_connection
    url: str = connection.meta.client.generate_presigned_url(
        "get_object",
        Params={"Bucket": storage.bucket_name, "Key": storage._key(name)},
        ExpiresIn=storage.querystring_expire,
    )
    return url


@pytest.fixture
def clients(monkeypatch):
    """The botocore clients built during the test (a resource builds one too)."""
    built: list[str] = []
    real = botocore.session.Session.create_client

    def counting(self, service_name, *args, **kwargs):
        built.append(service_name)
        return real(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", counting)
    return built


# -- one session per storage ---------------------------------------------------------


def test_threads_connections_and_the_url_probe_share_one_session(sessions, frozen_clock):
    storage = S3Storage(bucket_name=fresh_bucket(), signature_version="s3v4", **KEYS)

    url = storage.url("a.txt")
    connections = in_threads(lambda: (storage.connection, storage.unsigned_connection))

    assert len(sessions) == 1
    assert len({id(pair[0]) for pair in connections}) == THREADS  # a resource per thread
    assert len({id(pair[1]) for pair in connections}) == THREADS
    assert storage._runtime.session is not None
    assert url == botocore_url(storage, "a.txt")


def test_threads_racing_on_a_new_storage_build_one_session(sessions):
    storage = S3Storage(bucket_name=fresh_bucket(), **KEYS)

    in_threads(lambda: storage.connection)

    assert len(sessions) == 1


def test_an_overridden_create_session_is_called_for_each_connection_and_the_probe(frozen_clock):
    calls: list[int] = []

    class OwnSession(S3Storage):
        def _create_session(self):
            calls.append(threading.get_ident())
            return boto3.Session(aws_access_key_id="AKIDOWN", aws_secret_access_key="own")

    storage = OwnSession(bucket_name=fresh_bucket(), signature_version="s3v4", **KEYS)
    url = storage.url("a.txt")
    assert len(calls) == 1  # the probe's
    in_threads(lambda: storage.connection)

    assert len(calls) == 1 + THREADS
    assert storage._runtime.session is None
    assert "X-Amz-Credential=AKIDOWN%2F" in url


def test_an_instance_attribute_create_session_is_called_for_each_connection():
    storage = S3Storage(bucket_name=fresh_bucket(), **KEYS)
    calls: list[int] = []

    def own() -> boto3.Session:
        calls.append(1)
        return boto3.Session()

    storage._create_session = own
    storage.connection  # noqa: B018 - builds this thread's resource
    storage.unsigned_connection  # noqa: B018
    in_threads(lambda: storage.connection, count=2)

    assert len(calls) == 4
    assert storage._runtime.session is None


def test_session_profile_builds_one_profile_session(sessions, frozen_clock, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text(
        "[profile deploy]\n"
        "aws_access_key_id = AKIDPROFILE\n"
        "aws_secret_access_key = profile-secret\n"
        "region = eu-west-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    bucket = fresh_bucket()
    first = S3Storage(bucket_name=bucket, session_profile="deploy", signature_version="s3v4")
    second = S3Storage(bucket_name=bucket, session_profile="deploy", signature_version="s3v4")

    url = first.url("a.txt")
    # The second storage shares the first one's layout; its credentials come
    # from its own session, which its connections then reuse.
    other = second.url("a.txt")
    in_threads(lambda: (first.connection, second.connection))

    assert sessions == [{"profile_name": "deploy"}, {"profile_name": "deploy"}]
    assert "X-Amz-Credential=AKIDPROFILE%2F" in url
    assert url == other == botocore_url(first, "a.txt") == botocore_url(second, "a.txt")


# -- the first url() builds one client -------------------------------------------


def test_the_url_probe_builds_one_client_whose_model_the_connection_reuses(clients, sessions):
    storage = S3Storage(bucket_name=fresh_bucket(), **KEYS)

    storage.url("a.txt")
    assert clients == ["s3"]
    # The connection reads no data file again: the session's loader holds the
    # S3 model and the endpoint rules the probe's client parsed.
    file_loader = storage._runtime.session._loader.file_loader
    read: list[str] = []
    real = file_loader.load_file

    def reading(path: str) -> Any:
        data = real(path)
        if data is not None:  # None: no such file (botocore looks for optional extras)
            read.append(path)
        return data

    file_loader.load_file = reading
    storage.connection  # noqa: B018

    assert len(sessions) == 1
    assert clients == ["s3", "s3"]
    assert [path for path in read if "service-2" in path or "endpoint-rule-set" in path] == []
    assert any("resources-1" in path for path in read)  # what only a resource needs


def test_the_url_probe_asks_this_threads_connection_when_it_exists(clients, frozen_clock):
    storage = S3Storage(bucket_name=fresh_bucket(), signature_version="s3v4", **KEYS)
    storage.connection  # noqa: B018
    built = len(clients)

    url = storage.url("a.txt")

    assert len(clients) == built
    assert url == botocore_url(storage, "a.txt")


def test_the_unsigned_probe_asks_this_threads_unsigned_connection(clients):
    storage = S3Storage(bucket_name=fresh_bucket(), querystring_auth=False, **KEYS)
    storage.unsigned_connection  # noqa: B018
    built = len(clients)

    url = storage.url("a b.txt")

    assert len(clients) == built
    assert url == f"https://{storage.bucket_name}.s3.amazonaws.com/a%20b.txt"


def test_a_replaced_connection_is_not_asked_by_the_probe():
    storage = S3Storage(bucket_name=fresh_bucket(), **KEYS)
    own = storage.connection
    assert own_client(storage, signed=True) is own.meta.client
    assert own_client(storage, signed=False) is None  # not built on this thread

    storage._connections.connection = S3Storage(**KEYS).connection

    assert own_client(storage, signed=True) is None
    assert in_threads(lambda: own_client(storage, signed=True), count=1) == [None]


# -- clients built one at a time --------------------------------------------------


def test_clients_and_resources_are_built_one_at_a_time(monkeypatch):
    building = [0]
    most = [0]

    class SlowSession:
        def resource(self, service: str, **kwargs: Any) -> object:
            building[0] += 1
            most[0] = max(most[0], building[0])
            time.sleep(0.02)  # long enough for the other threads to arrive
            building[0] -= 1
            return object()

    monkeypatch.setattr(boto3, "Session", lambda **kwargs: SlowSession())
    storage = S3Storage(bucket_name=fresh_bucket(), **KEYS)

    in_threads(lambda: storage.connection)

    assert most[0] == 1


# -- credential refresh, pickling -------------------------------------------------


class RoleProvider(CredentialProvider):
    """Like botocore's assume-role provider: each load() starts credentials of its own."""

    METHOD = "test-role"

    def __init__(self, clock: list[datetime], issued: list[str]) -> None:
        self.clock = clock
        self.issued = issued

    def issue(self, access_key: str) -> dict[str, Any]:
        self.issued.append(access_key)
        expiry = self.clock[0] + timedelta(hours=1)
        return {"access_key": access_key, "secret_key": "s", "token": "t", "expiry_time": expiry}

    def load(self) -> RefreshableCredentials:
        return RefreshableCredentials(
            **self.issue("AKIDFIRST"),
            refresh_using=lambda: {**self.issue("AKIDSECOND"), "expiry_time": "2099-01-01T00:00Z"},
            method=self.METHOD,
            time_fetcher=lambda: self.clock[0],
        )


def test_refreshable_credentials_are_loaded_and_refreshed_once(monkeypatch, frozen_clock):
    clock = [datetime.now(UTC)]
    issued: list[str] = []
    real = boto3.Session

    def role_session(**kwargs: Any) -> boto3.Session:
        # What a profile with an assumed role gives: refreshable credentials.
        core = botocore.session.get_session()
        core.register_component(
            "credential_provider", CredentialResolver([RoleProvider(clock, issued)])
        )
        return real(botocore_session=core)

    monkeypatch.setattr(boto3, "Session", role_session)
    storage = S3Storage(
        bucket_name=fresh_bucket(), region_name="eu-west-1", signature_version="s3v4"
    )
    first = storage.url("a.txt")
    clients = in_threads(lambda: storage.connection.meta.client, count=2)
    clock[0] += timedelta(hours=2)  # past expiry

    second = storage.url("a.txt")
    signed = [
        client.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
        for client in clients
    ]

    assert "X-Amz-Credential=AKIDFIRST%2F" in first
    assert "X-Amz-Credential=AKIDSECOND%2F" in second
    assert all("X-Amz-Credential=AKIDSECOND%2F" in url for url in signed)
    # Loaded once and refreshed once, for url() and every thread's client.
    assert issued == ["AKIDFIRST", "AKIDSECOND"]


@pytest.mark.parametrize(
    "clone",
    [lambda storage: pickle.loads(pickle.dumps(storage)), copy.copy, copy.deepcopy],
    ids=["pickle", "copy", "deepcopy"],
)
def test_a_copy_builds_a_session_of_its_own(clone, sessions):
    storage = S3Storage(bucket_name=fresh_bucket(), **KEYS)
    storage.connection  # noqa: B018

    copied = clone(storage)
    assert copied._runtime.session is None
    copied.connection  # noqa: B018

    assert len(sessions) == 2
    assert copied._runtime.session is not storage._runtime.session
