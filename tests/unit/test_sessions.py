"""Sessions and resources are built with exactly the configured arguments."""

from __future__ import annotations

from typing import Any, ClassVar

import boto3
import botocore
import pytest

from storages.backends.s3 import S3Storage


class FakeSession:
    created: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.resources: list[tuple[str, dict[str, Any]]] = []
        FakeSession.created.append({"session": kwargs, "resources": self.resources})

    def resource(self, service: str, **kwargs: Any) -> object:
        self.resources.append((service, kwargs))
        return object()


@pytest.fixture
def fake_session(monkeypatch):
    FakeSession.created = []
    monkeypatch.setattr(boto3, "Session", FakeSession)
    return FakeSession.created


def test_keys_session_and_resource_arguments(fake_session):
    storage = S3Storage(
        access_key="AK",
        secret_key="SK",
        security_token="TOKEN",
        region_name="eu-central-1",
        use_ssl=False,
        endpoint_url="http://127.0.0.1:9000",
        verify="/etc/ssl/ca.pem",
    )
    assert storage.connection is storage.connection
    (created,) = fake_session
    assert created["session"] == {
        "aws_access_key_id": "AK",
        "aws_secret_access_key": "SK",
        "aws_session_token": "TOKEN",
    }
    assert created["resources"] == [
        (
            "s3",
            {
                "region_name": "eu-central-1",
                "use_ssl": False,
                "endpoint_url": "http://127.0.0.1:9000",
                "config": storage.client_config,
                "verify": "/etc/ssl/ca.pem",
            },
        )
    ]


def test_profile_session(fake_session):
    storage = S3Storage(session_profile="deploy")
    storage.connection  # noqa: B018 - builds the session
    assert fake_session[0]["session"] == {"profile_name": "deploy"}


def test_unsigned_connection_has_the_unsigned_config_and_shares_the_session(fake_session):
    storage = S3Storage(addressing_style="path", client_config=None)
    storage.unsigned_connection  # noqa: B018 - builds the session
    ((service, kwargs),) = fake_session[0]["resources"]
    assert service == "s3"
    config = kwargs["config"]
    assert config.signature_version is botocore.UNSIGNED
    assert config.s3 == {"addressing_style": "path"}
    storage.connection  # noqa: B018 - builds the signed one
    (created,) = fake_session
    assert [kwargs["config"].signature_version for _, kwargs in created["resources"]] == [
        botocore.UNSIGNED,
        None,
    ]
