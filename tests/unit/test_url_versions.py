"""url(name, version_id=...) on a custom domain names the version as S3 reads it."""

from __future__ import annotations

from storages.backends.s3 import S3Storage


def _storage(**options):
    return S3Storage(
        bucket_name="media", access_key="AKIDEXAMPLE", secret_key="not-a-secret", **options
    )


def test_a_custom_domain_url_carries_the_version_as_versionid():
    storage = _storage(custom_domain="cdn.example.com", querystring_auth=False)
    assert storage.url("a b.txt", version_id="3HL4kqtJ") == (
        "https://cdn.example.com/a%20b.txt?versionId=3HL4kqtJ"
    )


def test_other_parameters_keep_their_names_beside_the_version():
    storage = _storage(custom_domain="cdn.example.com", querystring_auth=False)
    url = storage.url("a.txt", parameters={"ResponseContentType": "text/plain"}, version_id="v2")
    assert url == "https://cdn.example.com/a.txt?ResponseContentType=text%2Fplain&versionId=v2"


def test_a_presigned_url_names_the_version_as_botocore_does():
    storage = _storage(endpoint_url="http://127.0.0.1:9000", region_name="us-east-1")
    url = storage.url("a.txt", version_id="v7")
    assert url.startswith("http://127.0.0.1:9000/media/a.txt?versionId=v7&")
