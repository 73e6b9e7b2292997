"""Extension points on SeaweedFS: a subclass that overrides one gets its own code run.

The storage takes fast paths (URLs signed without botocore, collectstatic's
pooled PutObject) only while nothing they bypass is overridden. Each test
here overrides one point and checks the result on the server: where the
objects went, with which headers, and whether the URL works. The points that
need no server are in ``tests/unit/test_extension_points.py``, whose
docstring lists every point and the tests that cover it.

Named ``..._live`` because a test module's basename must be unique across
``tests/unit`` and ``tests/integration`` (pytest's default import mode).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import test_static_support as support
from django.core.files.base import ContentFile

from storages.backends.s3 import S3ManifestStaticStorage, S3StaticStorage, S3Storage
from storages.management.commands.collectstatic import Command

pytestmark = pytest.mark.integration
make_site = support.make_site

#: Keys the server refuses: a storage given them works only through its override.
WRONG_KEYS = {"access_key": "not-the-server-key", "secret_key": "not-the-server-secret"}
TENANT = "tenant-7/"


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def bucket_objects(client: Any, bucket: str) -> dict[str, bytes]:
    objects = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", ()):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"]
            objects[item["Key"]] = body.read()
    return objects


@pytest.fixture
def server_session(s3_server: Any) -> Callable[[], boto3.Session]:
    """Build a boto3 Session holding the server's own credentials."""

    def build() -> boto3.Session:
        return boto3.Session(
            aws_access_key_id=s3_server.access_key,
            aws_secret_access_key=s3_server.secret_key,
        )

    return build


# -- connection, _create_resource ---------------------------------------------------


@pytest.mark.parametrize(
    "hook",
    [
        "connection",
        "_create_resource",
        "_create_resource instance attribute",
    ],
)
def test_an_own_connection_serves_saves_exists_and_url(
    make_storage, server_session, record_calls, hook
):
    built = []

    def create_resource(storage, config):
        built.append(config)
        return server_session().resource(
            "s3", endpoint_url=storage.endpoint_url, region_name=storage.region_name, config=config
        )

    class OwnConnection(S3Storage):
        @property
        def connection(self):
            if "test_connection" not in self.__dict__:
                self.test_connection = create_resource(self, self.client_config)
            return self.test_connection

    class OwnResource(S3Storage):
        def _create_resource(self, config):
            return create_resource(self, config)

    if hook == "connection":
        storage = make_storage(OwnConnection, **WRONG_KEYS)
    elif hook == "_create_resource":
        storage = make_storage(OwnResource, **WRONG_KEYS)
    else:
        storage = make_storage(**WRONG_KEYS)
        storage._create_resource = lambda config: create_resource(storage, config)
    calls = record_calls(storage)

    storage.save("docs/a b.txt", ContentFile(b"own connection"))
    exists = storage.exists("docs/a b.txt")
    url = storage.url("docs/a b.txt")

    assert exists is True
    assert http_get(url) == (200, b"own connection")
    assert calls.names == ["PutObject", "HeadObject", "GetObject"]
    assert built == [storage.client_config]


def test_an_own_bucket_receives_saves_and_urls(make_storage, s3_server, s3_client, bucket_name):
    other = bucket_name + "-own"
    s3_server.create_bucket(other)

    class OwnBucket(S3Storage):
        @property
        def bucket(self):
            return self.connection.Bucket(other)

    storage = make_storage(OwnBucket)

    storage.save("a.txt", ContentFile(b"in the other bucket"))
    url = storage.url("a.txt")

    assert bucket_objects(s3_client, other) == {"a.txt": b"in the other bucket"}
    assert bucket_objects(s3_client, bucket_name) == {}
    assert urlsplit(url).path == f"/{other}/a.txt"
    assert http_get(url) == (200, b"in the other bucket")


# -- _create_session ----------------------------------------------------------------


@pytest.mark.parametrize("how", ["class", "instance attribute"])
@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_an_own_session_signs_requests_and_urls(
    make_storage, s3_server, server_session, how, signature_version
):
    class OwnSession(S3Storage):
        def _create_session(self):
            return server_session()

    # A storage with the default session and the same settings: its URL layout
    # may be shared, not its credentials.
    make_storage(signature_version=signature_version, **WRONG_KEYS).url("warm-up.txt")
    if how == "class":
        storage = make_storage(OwnSession, signature_version=signature_version, **WRONG_KEYS)
    else:
        storage = make_storage(signature_version=signature_version, **WRONG_KEYS)
        storage._create_session = server_session

    storage.save("a b.txt", ContentFile(b"own session"))
    exists = storage.exists("a b.txt")
    url = storage.url("a b.txt")

    assert exists is True
    assert http_get(url) == (200, b"own session")
    query = parse_qs(urlsplit(url).query)
    if signature_version == "s3":
        assert query["AWSAccessKeyId"] == [s3_server.access_key]
    else:
        day = query["X-Amz-Date"][0][:8]
        assert query["X-Amz-Credential"] == [
            f"{s3_server.access_key}/{day}/{s3_server.region}/s3/aws4_request"
        ]


# -- _key, _normalize_name -------------------------------------------------------------


class _TenantKey(S3Storage):
    def _key(self, name):
        return TENANT + super()._key(name)


class _TenantNormalizeName(S3Storage):
    def _normalize_name(self, name):
        return TENANT + super()._normalize_name(name)


def _tenant_storage(make_storage: Callable[..., S3Storage], method: str, how: str, **options):
    if how == "class":
        return make_storage(_TenantKey if method == "_key" else _TenantNormalizeName, **options)
    storage = make_storage(**options)
    original = getattr(storage, method)
    setattr(storage, method, lambda name: TENANT + original(name))
    return storage


KEY_HOOKS = pytest.mark.parametrize(
    "how", ["class", "instance attribute"], ids=["class", "instance"]
)


@KEY_HOOKS
@pytest.mark.parametrize("method", ["_key", "_normalize_name"])
def test_an_own_key_decides_what_urls_exists_and_open_read(
    make_storage, s3_client, bucket_name, method, how
):
    storage = _tenant_storage(make_storage, method, how)
    s3_client.put_object(Bucket=bucket_name, Key="tenant-7/a b.txt", Body=b"tenant file")
    s3_client.put_object(Bucket=bucket_name, Key="a b.txt", Body=b"not this one")

    url = storage.url("a b.txt")

    assert urlsplit(url).path == f"/{bucket_name}/tenant-7/a%20b.txt"
    assert http_get(url) == (200, b"tenant file")
    assert storage.exists("a b.txt") is True
    assert storage.exists("b.txt") is False
    with storage.open("a b.txt") as file:
        assert file.read() == b"tenant file"


@KEY_HOOKS
@pytest.mark.parametrize("method", ["_key", "_normalize_name"])
@pytest.mark.parametrize("file_overwrite", [True, False], ids=["overwrite", "create-only"])
def test_an_own_key_decides_where_save_writes(
    make_storage, s3_client, bucket_name, method, how, file_overwrite
):
    storage = _tenant_storage(make_storage, method, how, file_overwrite=file_overwrite)

    saved = storage.save("a b.txt", ContentFile(b"tenant file"))

    assert saved == "a b.txt"
    assert bucket_objects(s3_client, bucket_name) == {"tenant-7/a b.txt": b"tenant file"}
    # What save() wrote is what the other methods find.
    assert storage.exists("a b.txt") is True
    assert http_get(storage.url("a b.txt")) == (200, b"tenant file")


class _TenantKeyStatic(S3StaticStorage):
    def _key(self, name):
        return TENANT + super()._key(name)


class _TenantKeyManifest(S3ManifestStaticStorage):
    def _key(self, name):
        return TENANT + super()._key(name)


class _TenantNormalizeNameStatic(S3StaticStorage):
    def _normalize_name(self, name):
        return TENANT + super()._normalize_name(name)


class _TenantNormalizeNameManifest(S3ManifestStaticStorage):
    def _normalize_name(self, name):
        return TENANT + super()._normalize_name(name)


@pytest.mark.parametrize(
    ("backend", "local"),
    [
        ("_TenantKeyStatic", support.PLAIN[1]),
        ("_TenantKeyManifest", support.MANIFEST[1]),
        ("_TenantNormalizeNameStatic", support.PLAIN[1]),
        ("_TenantNormalizeNameManifest", support.MANIFEST[1]),
    ],
)
def test_an_own_key_decides_where_the_apps_collectstatic_writes(
    make_site, tmp_path, backend, local
):
    site = make_site(f"{__name__}.{backend}")

    output = site.collectstatic(command=Command())

    support.collect_locally(site.root, tmp_path / "django", local)
    expected = {
        TENANT + name: data for name, data in support.tree_files(tmp_path / "django").items()
    }
    assert site.bucket_objects() == expected
    assert support.summary(output).startswith("9 static files copied")


# -- get_object_parameters, _get_write_parameters, object_parameters ---------------------


class _ObjectParameters:
    """get_object_parameters: names each object in its metadata."""

    def get_object_parameters(self, name):
        return {
            **super().get_object_parameters(name),
            "CacheControl": "max-age=77",
            "Metadata": {"seen-as": name},
        }


class _WriteParameters:
    """_get_write_parameters: names each object in its metadata."""

    def _get_write_parameters(self, name, content=None):
        return {
            **super()._get_write_parameters(name, content),
            "CacheControl": "max-age=88",
            "Metadata": {"written-as": name},
        }


class _ClassAttributeParameters:
    """object_parameters given as a class attribute."""

    object_parameters: ClassVar[dict[str, Any]] = {
        "CacheControl": "max-age=99",
        "Metadata": {"set-by": "class-attribute"},
    }


def _expected_by_object_parameters(key: str) -> tuple[str, dict[str, str]]:
    return "max-age=77", {"seen-as": key}


def _expected_by_write_parameters(key: str) -> tuple[str, dict[str, str]]:
    return "max-age=88", {"written-as": key}


def _expected_by_class_attribute(key: str) -> tuple[str, dict[str, str]]:
    return "max-age=99", {"set-by": "class-attribute"}


class _ObjectParametersS3(_ObjectParameters, S3Storage):
    pass


class _ObjectParametersStatic(_ObjectParameters, S3StaticStorage):
    pass


class _ObjectParametersManifest(_ObjectParameters, S3ManifestStaticStorage):
    pass


class _WriteParametersS3(_WriteParameters, S3Storage):
    pass


class _WriteParametersStatic(_WriteParameters, S3StaticStorage):
    pass


class _WriteParametersManifest(_WriteParameters, S3ManifestStaticStorage):
    pass


class _ClassAttributeParametersS3(_ClassAttributeParameters, S3Storage):
    pass


class _ClassAttributeParametersStatic(_ClassAttributeParameters, S3StaticStorage):
    pass


class _ClassAttributeParametersManifest(_ClassAttributeParameters, S3ManifestStaticStorage):
    pass


#: hook -> (storage classes by kind, the (CacheControl, Metadata) expected for a key).
PARAMETER_HOOKS: dict[str, tuple[dict[str, type[S3Storage]], Callable[[str], Any]]] = {
    "get_object_parameters": (
        {
            "S3": _ObjectParametersS3,
            "Static": _ObjectParametersStatic,
            "Manifest": _ObjectParametersManifest,
        },
        _expected_by_object_parameters,
    ),
    "_get_write_parameters": (
        {
            "S3": _WriteParametersS3,
            "Static": _WriteParametersStatic,
            "Manifest": _WriteParametersManifest,
        },
        _expected_by_write_parameters,
    ),
    "object_parameters class attribute": (
        {
            "S3": _ClassAttributeParametersS3,
            "Static": _ClassAttributeParametersStatic,
            "Manifest": _ClassAttributeParametersManifest,
        },
        _expected_by_class_attribute,
    ),
}


def _headers(client: Any, bucket: str, key: str) -> tuple[str, dict[str, str]]:
    head = client.head_object(Bucket=bucket, Key=key)
    return head.get("CacheControl", ""), head["Metadata"]


@pytest.mark.parametrize("hook", PARAMETER_HOOKS)
@pytest.mark.parametrize("how", ["save", "open for writing"])
def test_write_parameters_reach_the_put(make_storage, s3_client, bucket_name, hook, how):
    classes, expected = PARAMETER_HOOKS[hook]
    storage = make_storage(classes["S3"], location="loc")

    if how == "save":
        storage.save("a.txt", ContentFile(b"with parameters"))
    else:
        with storage.open("a.txt", "wb") as file:
            file.write(b"with parameters")

    assert bucket_objects(s3_client, bucket_name) == {"loc/a.txt": b"with parameters"}
    assert _headers(s3_client, bucket_name, "loc/a.txt") == expected("loc/a.txt")


@pytest.mark.parametrize("hook", PARAMETER_HOOKS)
@pytest.mark.parametrize("kind", ["Static", "Manifest"])
def test_write_parameters_reach_the_apps_collectstatic(make_site, tmp_path, hook, kind):
    classes, expected = PARAMETER_HOOKS[hook]
    site = make_site(f"{__name__}.{classes[kind].__name__}")

    site.collectstatic(command=Command())

    local = support.MANIFEST[1] if kind == "Manifest" else support.PLAIN[1]
    support.collect_locally(site.root, tmp_path / "django", local)
    names = sorted(support.tree_files(tmp_path / "django"))
    assert sorted(site.bucket_objects()) == names
    # Every object: the collected sources, and for the manifest storage the
    # hashed copies and staticfiles.json that post-processing saves.
    assert {key: _headers(site.client, site.bucket, key) for key in names} == {
        key: expected(key) for key in names
    }


# -- _save, save ------------------------------------------------------------------------


class _RecordingSave:
    """Records the names given to _save (and, below, to save)."""

    saved: ClassVar[list[str]] = []

    def _save(self, name, content):
        type(self).saved.append(name)
        return super()._save(name, content)


class _OwnSaveManifest(_RecordingSave, S3ManifestStaticStorage):
    saved: ClassVar[list[str]] = []


class _RecordingPublicSave:
    saved: ClassVar[list[str]] = []

    def save(self, name, content, max_length=None):
        type(self).saved.append(name)
        return super().save(name, content, max_length)


class _OwnPublicSaveStatic(_RecordingPublicSave, S3StaticStorage):
    saved: ClassVar[list[str]] = []


class _OwnPublicSaveManifest(_RecordingPublicSave, S3ManifestStaticStorage):
    saved: ClassVar[list[str]] = []


def test_the_apps_collectstatic_runs_an_own__save_for_every_manifest_file(make_site, tmp_path):
    _OwnSaveManifest.saved = []
    site = make_site(f"{__name__}._OwnSaveManifest")

    site.collectstatic(command=Command())

    support.collect_locally(site.root, tmp_path / "django", support.MANIFEST[1])
    local = support.tree_files(tmp_path / "django")
    assert site.bucket_objects() == local
    # Sources, hashed copies (some saved twice by Django's passes), the manifest.
    assert sorted(set(_OwnSaveManifest.saved)) == sorted(local)


@pytest.mark.parametrize(
    ("backend", "local"),
    [
        ("_OwnPublicSaveStatic", support.PLAIN[1]),
        ("_OwnPublicSaveManifest", support.MANIFEST[1]),
    ],
)
def test_the_apps_collectstatic_runs_an_own_save(make_site, tmp_path, backend, local):
    cls = globals()[backend]
    cls.saved = []
    site = make_site(f"{__name__}.{backend}")

    site.collectstatic(command=Command())

    support.collect_locally(site.root, tmp_path / "django", local)
    assert site.bucket_objects() == support.tree_files(tmp_path / "django")
    # Django's collectstatic saves each source with save(); post-processing uses _save.
    assert sorted(cls.saved) == sorted(support.SOURCES)


def test_the_apps_collectstatic_runs_an_instance_attribute__save(make_site):
    site = make_site()
    storage = site.storage
    saved = []
    original = storage._save

    def recording_save(name, content):
        saved.append(name)
        return original(name, content)

    storage._save = recording_save

    site.collectstatic(command=Command())

    assert site.bucket_objects() == support.SOURCES
    assert sorted(saved) == sorted(support.SOURCES)
