"""Test configuration: Django settings, AWS_* isolation, and a real SeaweedFS server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import django
import pytest
from django.conf import settings

if not settings.configured:
    # Read once; later subprocesses (the demo, pytester runs) choose their own settings.
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_settings"
    django.setup()
    del os.environ["DJANGO_SETTINGS_MODULE"]

from faultproxy import FaultProxy
from storages.backends.s3 import S3Storage
from storages.testing.seaweedfs import SeaweedFS


@pytest.fixture(autouse=True)
def _isolate_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the machine's AWS_* variables or AWS config files."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[SeaweedFS]:
    """A SeaweedFS server for the whole session (one per xdist worker)."""
    server = SeaweedFS()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fault_proxy(s3_server: SeaweedFS) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the test server (see tests/faultproxy.py)."""
    proxy = FaultProxy(s3_server.s3_port)
    yield proxy
    proxy.close()


@pytest.fixture
def bucket_name(s3_server: SeaweedFS) -> str:
    """A fresh, empty bucket for this test."""
    name = f"t-{uuid.uuid4().hex[:20]}"
    s3_server.create_bucket(name)
    return name


@pytest.fixture
def s3_client(s3_server: SeaweedFS) -> Any:
    """A raw boto3 client on the test server, for checking what a storage did."""
    return s3_server.client()


@pytest.fixture
def make_storage(s3_server: SeaweedFS, bucket_name: str) -> Callable[..., S3Storage]:
    """Build a storage of ``cls`` (default S3Storage) on this test's bucket."""

    def factory(cls: type[S3Storage] = S3Storage, **options: Any) -> S3Storage:
        return cls(**s3_server.storage_options(bucket_name, **options))

    return factory


@pytest.fixture
def storage(make_storage: Callable[..., S3Storage]) -> S3Storage:
    """An S3Storage on this test's bucket."""
    return make_storage()


class CallRecorder:
    """Records the S3 operations (name and parameters) a boto3 client makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def attach(self, client: Any) -> None:
        """Record every API call made through ``client`` from now on."""
        client.meta.events.register("provide-client-params.s3.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        self.calls.append((model.name, dict(params)))

    @property
    def names(self) -> list[str]:
        """The operation names, in order."""
        return [name for name, _ in self.calls]

    def params(self, operation: str) -> list[dict[str, Any]]:
        """The parameters of each call of ``operation``."""
        return [params for name, params in self.calls if name == operation]


@pytest.fixture
def record_calls() -> Callable[[Any], CallRecorder]:
    """Attach a CallRecorder to a storage's (this thread's) client."""

    def attach(storage: S3Storage) -> CallRecorder:
        recorder = CallRecorder()
        recorder.attach(storage.connection.meta.client)
        return recorder

    return attach


if django.VERSION < (5, 1):
    # Django's own receiver (which resets the handler) must be connected first.
    import django.test.signals
    from django.core.signals import setting_changed

    def _keep_storage_options(*, setting: str, **kwargs: Any) -> None:
        # Django 4.2/5.0: override_settings(STORAGES=...) also marks
        # STATICFILES_STORAGE and DEFAULT_FILE_STORAGE as overridden, and the
        # storage handler then rebuilds STORAGES from them without OPTIONS.
        if setting in ("STORAGES", "STATIC_ROOT", "STATIC_URL"):  # those Django resets on
            from django.core.files.storage import storages

            storages._backends = dict(settings.STORAGES)

    setting_changed.connect(_keep_storage_options)
