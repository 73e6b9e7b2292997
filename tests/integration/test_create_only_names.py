"""Create-only saves name the file without a HEAD: the If-None-Match upload is the check.

A free name costs one request and a taken one two, with Django's naming
(validation, alternatives, ``max_length``) intact; overrides of the naming
methods, and stores without conditional writes, get Django's HEAD back.
"""

from __future__ import annotations

import re

import django
import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.utils import validate_file_name

from faultproxy import Fault, FaultProxy
from storages.backends.s3 import S3Storage

pytestmark = pytest.mark.integration

ALTERNATIVE = "[A-Za-z0-9]{7}"


def _body(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.fixture
def create_only(make_storage):
    return make_storage(file_overwrite=False)


def test_a_free_name_is_one_conditional_put(create_only, record_calls, s3_client, bucket_name):
    calls = record_calls(create_only)
    assert create_only.save("docs/report.txt", ContentFile(b"new")) == "docs/report.txt"
    assert calls.names == ["PutObject"]
    assert calls.params("PutObject")[0]["IfNoneMatch"] == "*"
    assert _body(s3_client, bucket_name, "docs/report.txt") == b"new"


def test_a_taken_name_is_two_puts_and_djangos_alternative(
    create_only, record_calls, s3_client, bucket_name
):
    s3_client.put_object(Bucket=bucket_name, Key="docs/report.txt", Body=b"first")
    calls = record_calls(create_only)
    name = create_only.save("docs/report.txt", ContentFile(b"second"))
    assert re.fullmatch(rf"docs/report_{ALTERNATIVE}\.txt", name)
    assert calls.names == ["PutObject", "PutObject"]
    assert [params["Key"] for params in calls.params("PutObject")] == ["docs/report.txt", name]
    assert _body(s3_client, bucket_name, "docs/report.txt") == b"first"
    assert _body(s3_client, bucket_name, name) == b"second"


def test_the_alternative_name_keeps_within_max_length(
    create_only, record_calls, s3_client, bucket_name
):
    s3_client.put_object(Bucket=bucket_name, Key="up/abcdefghij.txt", Body=b"first")
    calls = record_calls(create_only)
    name = create_only.save("up/abcdefghij.txt", ContentFile(b"second"), max_length=17)
    # Django truncates the root so that root + "_" + 7 characters + ".txt" fits.
    assert re.fullmatch(rf"up/ab_{ALTERNATIVE}\.txt", name)
    assert len(name) == 17
    assert calls.names == ["PutObject", "PutObject"]
    assert _body(s3_client, bucket_name, name) == b"second"


def test_a_name_too_long_for_max_length_is_shortened_before_any_request(create_only, record_calls):
    calls = record_calls(create_only)
    name = create_only.save("up/abcdefghij.txt", ContentFile(b"x"), max_length=16)
    assert re.fullmatch(rf"up/a_{ALTERNATIVE}\.txt", name)
    assert calls.names == ["PutObject"]


@pytest.mark.parametrize("name", ["../escape.txt", "a/../../escape.txt", ""])
def test_djangos_name_validation_runs_before_any_request(create_only, record_calls, name):
    with pytest.raises(SuspiciousFileOperation) as expected:
        validate_file_name(name, allow_relative_path=True)
    calls = record_calls(create_only)
    with pytest.raises(SuspiciousFileOperation) as raised:
        create_only.save(name, ContentFile(b"x"))
    assert str(raised.value) == str(expected.value)
    assert calls.names == []


class OwnExists(S3Storage):
    def exists(self, name):
        self.asked = [*getattr(self, "asked", []), name]
        return super().exists(name)


class OwnAvailableName(S3Storage):
    def get_available_name(self, name, max_length=None):
        return super().get_available_name(f"own/{name}", max_length)


class OwnIsNameAvailable(S3Storage):
    def is_name_available(self, name, max_length=None):
        return name != "reserved.txt" and super().is_name_available(name, max_length)


def test_an_own_exists_is_asked_first(make_storage, record_calls):
    storage = make_storage(OwnExists, file_overwrite=False)
    calls = record_calls(storage)
    assert storage.save("a.txt", ContentFile(b"x")) == "a.txt"
    assert storage.asked == ["a.txt"]
    assert calls.names == ["HeadObject", "PutObject"]


def test_an_own_get_available_name_is_checked_with_a_head(make_storage, record_calls):
    storage = make_storage(OwnAvailableName, file_overwrite=False)
    calls = record_calls(storage)
    assert storage.save("a.txt", ContentFile(b"x")) == "own/a.txt"
    assert calls.names == ["HeadObject", "PutObject"]


def test_an_own_is_name_available_is_honoured_where_django_calls_it(make_storage, record_calls):
    storage = make_storage(OwnIsNameAvailable, file_overwrite=False)
    calls = record_calls(storage)
    name = storage.save("reserved.txt", ContentFile(b"x"))
    if django.VERSION >= (5, 1):
        # Django asks is_name_available(): the override refuses the name, then
        # the alternative is checked with a HEAD, as Django would.
        assert re.fullmatch(rf"reserved_{ALTERNATIVE}\.txt", name)
        assert calls.names == ["HeadObject", "PutObject"]
    else:
        # Django 4.2 never calls is_name_available(): the save is unchecked.
        assert name == "reserved.txt"
        assert calls.names == ["PutObject"]


def test_a_store_without_conditional_writes_checks_the_name_before_a_plain_upload(
    s3_server, s3_client, bucket_name
):
    s3_client.put_object(Bucket=bucket_name, Key="a.txt", Body=b"original")
    proxy = FaultProxy(s3_server.s3_port)
    try:
        storage = S3Storage(
            **s3_server.storage_options(
                bucket_name, endpoint_url=proxy.endpoint_url, file_overwrite=False
            )
        )
        refused = proxy.add(Fault("status", method="PUT", status=501, code="NotImplemented"))
        name = storage.save("a.txt", ContentFile(b"new"))
        again = storage.save("a.txt", ContentFile(b"newer"))
        methods = [request[0] for request in proxy.requests]
    finally:
        proxy.close()
    assert refused.hits == 1
    assert re.fullmatch(rf"a_{ALTERNATIVE}\.txt", name)
    assert re.fullmatch(rf"a_{ALTERNATIVE}\.txt", again)
    assert again != name
    # The refused conditional PUT; then, for each save, HEADs until a free name, one plain PUT.
    assert methods == ["PUT", "HEAD", "HEAD", "PUT", "HEAD", "HEAD", "PUT"]
    assert _body(s3_client, bucket_name, "a.txt") == b"original"
    assert _body(s3_client, bucket_name, name) == b"new"
    assert _body(s3_client, bucket_name, again) == b"newer"
