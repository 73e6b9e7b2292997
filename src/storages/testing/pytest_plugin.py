"""pytest fixtures for your Django app's tests: a real local S3 server, or S3 in memory.

pytest loads this plugin when s3storages is installed (it is registered as a
``pytest11`` entry point), and it does nothing until a test asks for one of
its fixtures: no server starts and nothing heavy is imported before that.

Real S3 behaviour, on a SeaweedFS server started once per test session
(``pip install "s3storages[seaweedfs]"``):

``seaweedfs_server``
    The :class:`~storages.testing.seaweedfs.SeaweedFS` server (session scope).
``s3_bucket``
    The name of a fresh, empty bucket for this test, deleted afterwards.
``make_s3_storage``
    ``make_s3_storage(storage_class=S3Storage, **options)`` builds a storage
    on that bucket; your Django settings supply every option you don't pass.
``s3_storage``
    ``make_s3_storage()``.
``s3_default_storage``
    For the duration of the test, ``STORAGES["default"]`` is an S3Storage on
    the bucket, so ``default_storage`` and every ``FileField`` that uses it
    store their files there. The fixture's value is that storage.

Fast, in-process S3 for unit tests, through moto (``pip install moto``):

``make_memory_s3_storage`` and ``memory_s3_storage``
    The same S3Storage code on moto's in-memory S3. moto accepts requests real
    S3 refuses (wrong keys, expired or tampered URLs), so keep the tests that
    matter on the real server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest

if TYPE_CHECKING:
    from ..backends.s3 import S3Storage
    from .seaweedfs import SeaweedFS

__all__ = [
    "make_memory_s3_storage",
    "make_s3_storage",
    "memory_s3_storage",
    "s3_bucket",
    "s3_default_storage",
    "s3_storage",
    "seaweedfs_server",
]

#: The bucket the in-memory storages use.
MEMORY_BUCKET = "memory-bucket"

# Options no test storage should take from the machine's environment: a stray
# AWS_SESSION_TOKEN would be sent along with the test keys and refused, and
# AWS_S3_SESSION_PROFILE next to keys makes S3Storage refuse to start.
_NO_AMBIENT_CREDENTIALS = {"security_token": None, "session_profile": None}


def _storage_class(storage_class: type[S3Storage] | None) -> type[S3Storage]:
    if storage_class is not None:
        return storage_class
    from ..backends.s3 import S3Storage

    return S3Storage


@pytest.fixture(scope="session")
def seaweedfs_server() -> Iterator[SeaweedFS]:
    """Start a SeaweedFS S3 server on 127.0.0.1 for the session; stop it at the end."""
    from .seaweedfs import SeaweedFS

    with SeaweedFS() as server:
        yield server


@pytest.fixture
def s3_bucket(seaweedfs_server: SeaweedFS) -> Iterator[str]:
    """Create an empty bucket for this test; empty and delete it afterwards."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    seaweedfs_server.create_bucket(name)
    yield name
    seaweedfs_server.empty_bucket(name)
    seaweedfs_server.client().delete_bucket(Bucket=name)


@pytest.fixture
def make_s3_storage(seaweedfs_server: SeaweedFS, s3_bucket: str) -> Callable[..., S3Storage]:
    """Return a factory of storages on this test's bucket: ``(storage_class=None, **options)``."""

    def make(storage_class: type[S3Storage] | None = None, **options: Any) -> S3Storage:
        options = {**_NO_AMBIENT_CREDENTIALS, **options}
        return _storage_class(storage_class)(
            **seaweedfs_server.storage_options(s3_bucket, **options)
        )

    return make


@pytest.fixture
def s3_storage(make_s3_storage: Callable[..., S3Storage]) -> S3Storage:
    """Return an S3Storage on this test's bucket."""
    return make_s3_storage()


@pytest.fixture
def s3_default_storage(seaweedfs_server: SeaweedFS, s3_bucket: str) -> Iterator[S3Storage]:
    """Make ``STORAGES["default"]`` an S3Storage on this test's bucket, for this test."""
    import django
    from django.conf import settings
    from django.core.files.storage import storages
    from django.test import override_settings

    options = seaweedfs_server.storage_options(s3_bucket, **_NO_AMBIENT_CREDENTIALS)
    default = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    # override_settings makes Django drop its cached storages, default_storage included.
    with override_settings(STORAGES={**settings.STORAGES, "default": default}):
        if django.VERSION < (5, 1):
            # Django 4.2/5.0: the override also marks DEFAULT_FILE_STORAGE as set,
            # and the storage handler would rebuild "default" from it without OPTIONS.
            cast(Any, storages)._backends = dict(settings.STORAGES)
        yield cast("S3Storage", storages["default"])


@pytest.fixture
def make_memory_s3_storage() -> Iterator[Callable[..., S3Storage]]:
    """Return a factory of storages on moto's in-memory S3: ``(storage_class=None, **options)``."""
    try:
        from moto import mock_aws
    except ImportError:
        pytest.fail("The in-memory S3 fixtures need moto: pip install 'moto>=5'.", pytrace=False)
    with mock_aws():
        created: set[str] = set()

        def make(storage_class: type[S3Storage] | None = None, **options: Any) -> S3Storage:
            defaults = {
                "bucket_name": MEMORY_BUCKET,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                # moto answers only for AWS endpoints; anything else would go out.
                "endpoint_url": None,
            }
            storage = _storage_class(storage_class)(
                **{**defaults, **_NO_AMBIENT_CREDENTIALS, **options}
            )
            if storage.bucket_name not in created:
                storage.connection.meta.client.create_bucket(Bucket=storage.bucket_name)
                created.add(str(storage.bucket_name))
            return storage

        yield make


@pytest.fixture
def memory_s3_storage(make_memory_s3_storage: Callable[..., S3Storage]) -> S3Storage:
    """Return an S3Storage on moto's in-memory S3, emptied after the test."""
    return make_memory_s3_storage()
