"""The write request: parameters decided once and read-only, a fresh body per attempt."""

from __future__ import annotations

import ast
import gzip
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile, File

from helpers import OneWayStream
from storages.backends._s3 import create as _s3_create
from storages.backends._s3 import replay as _s3_replay
from storages.backends._s3 import writes as _s3_write
from storages.backends._s3.writes import WriteRequest
from storages.backends.s3 import S3Storage

CSS = b"body { color: red; }\n" * 50


@pytest.fixture
def storage() -> S3Storage:
    # Nothing here contacts the endpoint.
    return S3Storage(
        bucket_name="media",
        access_key="AKIAEXAMPLE",
        secret_key="not-a-secret",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        gzip=True,
        object_parameters={"CacheControl": "max-age=1"},
    )


@pytest.mark.parametrize("module", [_s3_write, _s3_create, _s3_replay])
def test_the_write_path_never_imports_the_facade(module):
    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {name for name in imported if name in ("s3", "storages.backends.s3")}


def test_gzip_is_decided_once_and_the_parameters_stay_as_built(storage):
    request = WriteRequest.build(storage, "a.css", ContentFile(CSS))
    assert request.gzipped
    assert dict(request.params) == {
        "CacheControl": "max-age=1",
        "ContentType": "text/css",
        "ContentEncoding": "gzip",
    }
    with pytest.raises(TypeError):
        request.params["ContentEncoding"] = "identity"  # type: ignore[index]
    # Every attempt gets the whole body, compressed again.
    assert gzip.decompress(request.body().read()) == CSS
    assert gzip.decompress(request.body().read()) == CSS
    assert request.params["ContentEncoding"] == "gzip"


def test_content_encoded_already_is_not_gzipped_again(storage):
    storage.object_parameters = {"ContentEncoding": "br"}
    request = WriteRequest.build(storage, "a.css", ContentFile(CSS))
    assert not request.gzipped
    assert request.body().read() == CSS


def test_writes_that_must_stay_plain_are_not_gzipped(storage):
    request = WriteRequest.build(storage, "a.css", gzip=False)
    assert not request.gzipped
    assert "ContentEncoding" not in request.params
    assert request.body().read() == b""


def test_a_renamed_request_gets_parameters_for_its_key_and_the_same_bytes(storage):
    content = File(OneWayStream(CSS, piece=100), name="a.css")
    request = WriteRequest.build(storage, "a.css", content, create_only=True)
    first = request.body().read()
    renamed = request.renamed("a_x.txt")
    assert renamed.params["ContentType"] == "text/plain"
    assert not renamed.gzipped
    assert renamed.body().read() == CSS  # replayed: the stream cannot seek
    assert gzip.decompress(first) == CSS
    request.close()


def test_an_unseekable_overwrite_is_read_once(storage):
    request = WriteRequest.build(storage, "a.bin", File(OneWayStream(b"once")))
    assert request.body().read() == b"once"
    with pytest.raises(io.UnsupportedOperation):
        request.body()


def test_a_store_known_to_lack_conditional_writes_gets_overwrites(storage):
    storage._runtime.conditional_writes_unsupported = True
    request = WriteRequest.build(storage, "a.bin", ContentFile(b"x"), create_only=True)
    assert not request.create_only


def test_small_body_only_for_a_known_size_below_the_threshold(storage):
    client = storage.connection.meta.client
    assert WriteRequest.build(storage, "a.bin", ContentFile(b"abc")).small_body(client) == b"abc"
    unsized = io.BytesIO(b"abc")
    assert WriteRequest.build(storage, "a.bin", unsized).small_body(client) is None
    big = ContentFile(b"x" * storage.transfer_config.multipart_threshold)
    assert WriteRequest.build(storage, "a.bin", big).small_body(client) is None
