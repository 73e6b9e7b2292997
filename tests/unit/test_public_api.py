"""Public names, legacy aliases, deconstruction for migrations, pickling and threads."""

from __future__ import annotations

import pickle
import threading

import pytest

import storages
from helpers import rsa_pem
from storages import conf, validators
from storages.backends import s3, s3boto3
from storages.backends.s3 import S3File, S3ManifestStaticStorage, S3StaticStorage, S3Storage


def test_version():
    assert storages.__version__ == "0.1.0"


def test_public_surface_of_s3_module():
    assert set(s3.__all__) == {"S3File", "S3ManifestStaticStorage", "S3StaticStorage", "S3Storage"}
    for name in (
        "_filter_download_params",
        "_use_cryptography_signer",
        "_use_rsa_signer",
        "_cloud_front_signer_from_pem",
        "datetime",
        "timedelta",
    ):
        assert hasattr(s3, name), name


def test_legacy_aliases_are_the_same_classes():
    assert s3boto3.S3Boto3Storage is S3Storage
    assert s3boto3.S3Boto3StorageFile is S3File
    assert s3boto3.S3StaticStorage is S3StaticStorage
    assert s3boto3.S3ManifestStaticStorage is S3ManifestStaticStorage


def test_filter_download_params():
    params = {
        "SSECustomerKey": "k",
        "SSECustomerAlgorithm": "AES256",
        "CacheControl": "max-age=1",
        "VersionId": "v1",
    }
    assert s3._filter_download_params(params) == {
        "SSECustomerKey": "k",
        "SSECustomerAlgorithm": "AES256",
        "VersionId": "v1",
    }


def test_deconstruct_keeps_paths_and_given_kwargs():
    storage = s3boto3.S3Boto3Storage(bucket_name="media", location="uploads")
    assert storage.deconstruct() == (
        "storages.backends.s3.S3Storage",
        (),
        {"bucket_name": "media", "location": "uploads"},
    )
    assert S3StaticStorage().deconstruct()[0] == "storages.backends.s3.S3StaticStorage"
    assert CustomStorage().deconstruct()[0] == f"{__name__}.CustomStorage"


class CustomStorage(S3Storage):
    """A user's subclass deconstructs to its own path."""


def test_pickle_round_trip_before_and_after_bucket_use():
    storage = S3Storage(bucket_name="media", location="x", region_name="eu-west-1")
    clone = pickle.loads(pickle.dumps(storage))
    assert (clone.bucket_name, clone.location) == ("media", "x")
    assert storage.bucket.name == "media"
    clone = pickle.loads(pickle.dumps(storage))
    assert clone._bucket is None
    assert clone.bucket.name == "media"
    assert clone.connection is not storage.connection


def test_pickle_with_signer_built_from_keys():
    # Fix: the reference cannot pickle this storage.
    pem = rsa_pem()
    storage = S3Storage(
        cloudfront_key_id="KEYID",
        cloudfront_key=pem,
        custom_domain="cdn.example.com",
    )
    signer = storage.cloudfront_signer
    assert signer is not None
    clone = pickle.loads(pickle.dumps(storage))
    rebuilt = clone.cloudfront_signer
    assert rebuilt is not None
    expected = storage.url("a.txt", expire=60)
    assert "Key-Pair-Id=KEYID" in expected
    assert clone.url("a.txt", expire=60).split("?")[0] == expected.split("?")[0]


def test_pickle_with_explicit_signer_none():
    storage = S3Storage(cloudfront_signer=None)
    assert pickle.loads(pickle.dumps(storage)).cloudfront_signer is None


def test_signer_kwarg_wins_over_subclass_attribute():
    class Sub(S3Storage):
        cloudfront_signer = None

    marker = object()
    # Fix: the reference refuses this keyword.
    assert Sub(cloudfront_signer=marker).cloudfront_signer is marker
    assert Sub().cloudfront_signer is None


def test_signers_are_cached_per_key_pair():
    pem = rsa_pem()
    first = S3Storage(cloudfront_key_id="K", cloudfront_key=pem)
    second = S3Storage(cloudfront_key_id="K", cloudfront_key=pem)
    assert first.cloudfront_signer is second.cloudfront_signer


def test_each_thread_gets_its_own_connection_and_bucket():
    storage = S3Storage(bucket_name="media", region_name="eu-west-1")
    main = (storage.connection, storage.bucket)
    assert storage._bucket is main[1]
    seen: list[object] = []

    def work() -> None:
        seen.append(storage._bucket)
        seen.extend([storage.connection, storage.bucket, storage.connection, storage.bucket])

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    before, conn, bucket, conn_again, bucket_again = seen
    assert before is None
    assert conn is conn_again
    assert bucket is bucket_again
    assert conn is not main[0]
    assert bucket is not main[1]
    assert bucket.meta.client is conn.meta.client


def test_assigned_connection_is_used_as_is():
    storage = S3Storage(bucket_name="media", region_name="eu-west-1")
    replacement = S3Storage(bucket_name="other", region_name="eu-west-1").connection
    storage._connections.connection = replacement
    assert storage.connection is replacement
    assert storage.bucket.meta.client is replacement.meta.client


@pytest.mark.parametrize(
    ("attribute", "unsigned"), [("connection", False), ("unsigned_connection", True)]
)
def test_connections_are_s3_resources(attribute, unsigned):
    import botocore

    storage = S3Storage(bucket_name="media", region_name="eu-west-1")
    resource = getattr(storage, attribute)
    assert resource.meta.service_name == "s3"
    signature = resource.meta.client.meta.config.signature_version
    assert (signature is botocore.UNSIGNED) is unsigned


def test_validators_all_lists_every_public_check():
    defined = {
        name
        for name, value in vars(validators).items()
        if not name.startswith("_")
        and getattr(value, "__module__", None) == validators.__name__
        and callable(value)
    }
    assert defined <= set(validators.__all__)
    assert "verify" in validators.__all__
    assert conf.Check is validators.Check
