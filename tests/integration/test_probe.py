"""``manage.py s3probe`` against SeaweedFS: what it reports, the fixes, and the exit status."""

from __future__ import annotations

import io
import json
import re
import socket
from typing import Any

import django
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from faultproxy import FaultProxy
from storages.backends._s3 import probe as _probe
from storages.management.commands.s3probe import Command
from storages.testing.seaweedfs import SeaweedFS

pytestmark = pytest.mark.integration

S3 = "storages.backends.s3.S3Storage"

LIFECYCLE_WARNING = [
    "  WARN  lifecycle    no lifecycle rule aborts incomplete multipart uploads",
    "        fix: Add a bucket lifecycle rule with AbortIncompleteMultipartUpload "
    "(DaysAfterInitiation 1 to 7), or run 'manage.py s3cleanup' regularly.",
]
ALL_OK = [
    "  OK    credentials  accepted by the server",
    "  OK    bucket       '{bucket}' exists and is reachable",
    "  SKIP  region       the store does not report one; requests are signed for 'us-east-1'",
    "  OK    clock        within 2 s of the server's clock",
    "  OK    list         allowed",
    "  OK    put          wrote the temporary object '{prefix}.s3probe-ID.txt'",
    "  OK    get          read back the same 63 bytes",
    "  OK    acl          none set; the bucket's policy decides who reads the files",
    "  OK    url          GET http://S3/{bucket}/{prefix}.s3probe-ID.txt returned HTTP 200 and "
    "the object's bytes",
    "  OK    delete       removed the temporary object",
    *LIFECYCLE_WARNING,
    "  SKIP  cors         {cors}",
]
#: Why the cors check is skipped: the test settings install storages.uploads, and give no origin.
NO_ORIGIN = (
    "no origin to check: pass --origin https://www.example.com, or list the site in "
    "CSRF_TRUSTED_ORIGINS"
)


#: Django 4.2 and 5.0 complete an overridden STORAGES with their default entries.
DJANGO_FILLS_STORAGES = django.VERSION < (5, 1)
DJANGO_DEFAULTS = {
    "default": "django.core.files.storage.FileSystemStorage",
    "staticfiles": "django.contrib.staticfiles.storage.StaticFilesStorage",
}


def probe(server: SeaweedFS, storages: dict[str, Any], *args: str) -> tuple[list[str], str]:
    """Run the probe with STORAGES; return its output lines (normalised) and the error.

    On Django 4.2 and 5.0 the probe also reports the entries Django added;
    those lines are checked here and left out of the result.
    """
    filled = [alias for alias in DJANGO_DEFAULTS if alias not in storages]
    out = io.StringIO()
    error = ""
    with override_settings(STORAGES=storages):
        try:
            call_command("s3probe", *args, stdout=out)
        except CommandError as err:
            error = f"{err} (exit {err.returncode})"
    text = out.getvalue().replace(server.endpoint_url, "http://S3")
    text = re.sub(r"\.s3probe-[0-9a-f]{32}\.txt", ".s3probe-ID.txt", text)
    lines = text.splitlines()
    for alias in filled if DJANGO_FILLS_STORAGES else ():
        lines.remove(f"Storage {alias!r} ({DJANGO_DEFAULTS[alias]}): not S3, skipped")
    return lines, error


def s3(server: SeaweedFS, bucket: str, backend: str = S3, **options: Any) -> dict[str, Any]:
    return {"BACKEND": backend, "OPTIONS": server.storage_options(bucket, **options)}


def header(alias: str, bucket: str, backend: str = S3) -> str:
    return f"Storage '{alias}' ({backend}), bucket '{bucket}' at http://S3"


def expected_ok(bucket: str, prefix: str = "", cors: str = NO_ORIGIN) -> list[str]:
    return [line.format(bucket=bucket, prefix=prefix, cors=cors) for line in ALL_OK]


def test_sound_storage_passes_and_leaves_nothing(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    lines, error = probe(s3_server, {"default": s3(s3_server, bucket_name, location="media")})
    assert error == ""
    assert lines == [
        header("default", bucket_name),
        *expected_ok(bucket_name, "media/"),
        "All checks passed.",
    ]
    assert s3_client.list_objects_v2(Bucket=bucket_name)["KeyCount"] == 0


def test_wrong_secret_key_fails_credentials(s3_server: SeaweedFS, bucket_name: str) -> None:
    storages = {"default": s3(s3_server, bucket_name, secret_key="not-the-secret")}
    lines, error = probe(s3_server, storages)
    skipped = "the credentials check failed"
    assert lines == [
        header("default", bucket_name),
        "  FAIL  credentials  The request signature we calculated does not match the signature "
        "you provided. Check your key and signing method. (403 SignatureDoesNotMatch)",
        "        fix: Check AWS_S3_SECRET_ACCESS_KEY / AWS_SECRET_ACCESS_KEY / secret_key: it "
        "does not belong to the access key ID.",
        f"  SKIP  bucket       {skipped}",
        f"  SKIP  region       {skipped}",
        "  OK    clock        within 2 s of the server's clock",
        *[f"  SKIP  {check:<12} {skipped}" for check in ("list", "put", "get", "acl", "url")],
        f"  SKIP  delete       {skipped}",
        f"  SKIP  lifecycle    {skipped}",
        f"  SKIP  cors         {skipped}",
    ]
    assert error == "1 check failed (default: credentials). (exit 1)"
    assert "not-the-secret" not in "\n".join(lines)


def test_unknown_access_key_fails_credentials(s3_server: SeaweedFS, bucket_name: str) -> None:
    storages = {"default": s3(s3_server, bucket_name, access_key="nobody")}
    lines, error = probe(s3_server, storages)
    assert lines[1:3] == [
        "  FAIL  credentials  The access key ID you provided does not exist in our records. "
        "(403 InvalidAccessKeyId)",
        "        fix: Check AWS_S3_ACCESS_KEY_ID / AWS_ACCESS_KEY_ID / access_key: the server "
        "does not know it.",
    ]
    assert error == "1 check failed (default: credentials). (exit 1)"


def test_missing_bucket_fails_bucket(s3_server: SeaweedFS) -> None:
    lines, error = probe(s3_server, {"default": s3(s3_server, "no-such-bucket-here")})
    skipped = "the bucket check failed"
    assert lines == [
        header("default", "no-such-bucket-here"),
        "  OK    credentials  accepted by the server",
        "  FAIL  bucket       there is no bucket 'no-such-bucket-here' (HTTP 404)",
        "        fix: Create the bucket, or set AWS_STORAGE_BUCKET_NAME / bucket_name to an "
        "existing one.",
        f"  SKIP  region       {skipped}",
        "  OK    clock        within 2 s of the server's clock",
        *[f"  SKIP  {check:<12} {skipped}" for check in ("list", "put", "get", "acl", "url")],
        f"  SKIP  delete       {skipped}",
        f"  SKIP  lifecycle    {skipped}",
        f"  SKIP  cors         {skipped}",
    ]
    assert error == "1 check failed (default: bucket). (exit 1)"


def test_unreachable_endpoint_fails_credentials(s3_server: SeaweedFS, bucket_name: str) -> None:
    options = {"endpoint_url": "http://127.0.0.1:9"}
    lines, error = probe(s3_server, {"default": s3(s3_server, bucket_name, **options)})
    assert lines[:5] == [
        f"Storage 'default' ({S3}), bucket '{bucket_name}' at http://127.0.0.1:9",
        "  FAIL  credentials  EndpointConnectionError: Could not connect to the endpoint URL: "
        '"http://127.0.0.1:9/"',
        "        fix: Check AWS_S3_ENDPOINT_URL / endpoint_url and that the server is reachable "
        "from here; for TLS errors see AWS_S3_VERIFY / verify.",
        "  SKIP  bucket       the credentials check failed",
        "  SKIP  region       the credentials check failed",
    ]
    assert lines[5] == "  SKIP  clock        no answer from the server to compare with"
    assert error == "1 check failed (default: credentials). (exit 1)"


def test_ignored_public_read_acl_fails_acl(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    storages = {"default": s3(s3_server, bucket_name, default_acl="public-read")}
    lines, error = probe(s3_server, storages)
    expected = expected_ok(bucket_name)
    expected[7:8] = [
        "  FAIL  acl          the store accepted 'public-read' but refuses anonymous reads "
        "(HTTP 403 AccessDenied): it ignores per-object ACLs",
        "        fix: Allow public reads with a bucket policy and remove AWS_DEFAULT_ACL / "
        "default_acl.",
    ]
    assert lines == [header("default", bucket_name), *expected]
    assert error == "1 check failed (default: acl). (exit 1)"
    assert s3_client.list_objects_v2(Bucket=bucket_name)["KeyCount"] == 0


def test_private_acl_is_checked(s3_server: SeaweedFS, bucket_name: str) -> None:
    storages = {"default": s3(s3_server, bucket_name, default_acl="private")}
    lines, error = probe(s3_server, storages)
    assert lines[8] == "  OK    acl          'private' applied: anonymous reads get HTTP 403"
    assert error == ""


def test_unsigned_urls_on_a_private_bucket_fail_url(s3_server: SeaweedFS, bucket_name: str) -> None:
    storages = {"default": s3(s3_server, bucket_name, querystring_auth=False)}
    lines, error = probe(s3_server, storages)
    expected = expected_ok(bucket_name)
    expected[8:9] = [
        f"  FAIL  url          GET http://S3/{bucket_name}/.s3probe-ID.txt returned HTTP 403 "
        "(AccessDenied)",
        "        fix: URLs are unsigned (querystring_auth=False) but the object is not public: "
        "allow public reads with a bucket policy, or set AWS_QUERYSTRING_AUTH / "
        "querystring_auth.",
    ]
    assert lines == [header("default", bucket_name), *expected]
    assert error == "1 check failed (default: url). (exit 1)"


def test_unsigned_urls_on_a_public_bucket_pass(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::{bucket_name}/*"],
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    s3_client.put_bucket_policy(Bucket=bucket_name, Policy=json.dumps(policy))
    backend = "storages.backends.s3.S3StaticStorage"
    lines, error = probe(s3_server, {"staticfiles": s3(s3_server, bucket_name, backend)})
    assert lines == [
        header("staticfiles", bucket_name, backend),
        *expected_ok(bucket_name, cors="static files: browsers do not upload to them"),
        "All checks passed.",
    ]
    assert error == ""


def test_manifest_storage_is_probed_even_when_its_bucket_is_missing(
    s3_server: SeaweedFS,
) -> None:
    # Creating it would read staticfiles.json and raise; the probe reports the bucket instead.
    backend = "storages.backends.s3.S3ManifestStaticStorage"
    lines, error = probe(s3_server, {"staticfiles": s3(s3_server, "no-such-static", backend)})
    assert lines[:4] == [
        header("staticfiles", "no-such-static", backend),
        "  OK    credentials  accepted by the server",
        "  FAIL  bucket       there is no bucket 'no-such-static' (HTTP 404)",
        "        fix: Create the bucket, or set AWS_STORAGE_BUCKET_NAME / bucket_name to an "
        "existing one.",
    ]
    assert error == "1 check failed (staticfiles: bucket). (exit 1)"


def test_clock_skew_fails_clock(
    s3_server: SeaweedFS, bucket_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_clock = _probe.wall_clock
    monkeypatch.setattr(_probe, "wall_clock", lambda: real_clock() - 3600)
    lines, error = probe(s3_server, {"default": s3(s3_server, bucket_name)})
    assert lines[4:6] == [
        "  FAIL  clock        this machine's clock is 60 min behind the server's clock",
        "        fix: Synchronise this machine's clock (NTP): S3 refuses requests more than 15 "
        "minutes off, and presigned URLs start late or expire early.",
    ]
    assert error == "1 check failed (default: clock). (exit 1)"


def test_small_clock_skew_is_reported(
    s3_server: SeaweedFS, bucket_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_clock = _probe.wall_clock
    monkeypatch.setattr(_probe, "wall_clock", lambda: real_clock() + 100)
    lines, error = probe(s3_server, {"default": s3(s3_server, bucket_name)})
    # The server's Date has whole seconds, so the skew seen is within a second of 100 s.
    assert re.fullmatch(
        r"  OK    clock        this machine's clock is (99|100|101) s ahead of the server's clock",
        lines[4],
    )
    assert error == ""


def test_invalid_settings_fail_without_a_request(s3_server: SeaweedFS, bucket_name: str) -> None:
    storages = {"default": s3(s3_server, bucket_name, location="/media")}
    lines, error = probe(s3_server, storages)
    assert lines == [
        f"Storage 'default' ({S3})",
        "  FAIL  settings     S3Storage.location cannot begin with a leading slash. Found "
        "'/media'. Use 'media' instead.",
        "        fix: Correct that setting; 'manage.py check' lists every problem it finds.",
    ]
    assert error == "1 check failed (default: settings). (exit 1)"


def test_aliases_select_storages_and_others_are_skipped(
    s3_server: SeaweedFS, bucket_name: str
) -> None:
    storages = {
        "default": s3(s3_server, "no-such-bucket-here"),
        "staticfiles": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "reports": s3(s3_server, bucket_name),
    }
    lines, error = probe(s3_server, storages, "reports")
    assert lines == [
        header("reports", bucket_name),
        *expected_ok(bucket_name),
        "All checks passed.",
    ]
    lines, error = probe(s3_server, storages)
    assert lines[14] == (
        "Storage 'staticfiles' (django.core.files.storage.InMemoryStorage): not S3, skipped"
    )
    assert error == "1 check failed (default: bucket). (exit 1)"


def test_command_errors(s3_server: SeaweedFS, bucket_name: str) -> None:
    storages = {
        "default": s3(s3_server, bucket_name),
        "staticfiles": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    with override_settings(STORAGES=storages):
        with pytest.raises(CommandError) as raised:
            call_command("s3probe", "media", stdout=io.StringIO())
        assert str(raised.value) == (
            "Unknown storage alias 'media'; STORAGES has: default, staticfiles."
        )
        with pytest.raises(CommandError) as raised:
            call_command("s3probe", "staticfiles", stdout=io.StringIO())
        assert str(raised.value) == (
            "Storage 'staticfiles' (django.core.files.storage.InMemoryStorage) is not S3."
        )
    with (
        override_settings(STORAGES={"staticfiles": storages["staticfiles"]}),
        pytest.raises(CommandError) as raised,
    ):
        call_command("s3probe", stdout=io.StringIO())
    assert str(raised.value) == "No S3 storage is configured in STORAGES."


def test_exit_status_is_1_on_failure(
    s3_server: SeaweedFS, bucket_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    storages = {"default": s3(s3_server, "no-such-bucket-here")}
    with override_settings(STORAGES=storages), pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "s3probe"])
    assert exited.value.code == 1
    assert capsys.readouterr().err == ("CommandError: 1 check failed (default: bucket).\n")
    with override_settings(STORAGES={"default": s3(s3_server, bucket_name)}):
        Command().run_from_argv(["manage.py", "s3probe"])
    assert capsys.readouterr().out.endswith("All checks passed.\n")


def _public_probe(server: SeaweedFS, bucket: str, public: str) -> tuple[list[str], str, list[str]]:
    """Probe a storage whose URLs point at ``public``; also return its URL check's lines."""
    storages = {"default": s3(server, bucket, public_endpoint_url=public)}
    lines, error = probe(server, storages)
    lines = [line.replace(public, "http://PUBLIC") for line in lines]
    assert lines[0] == f"{header('default', bucket)}, URLs at http://PUBLIC"
    at = next(n for n, line in enumerate(lines) if re.match(r"  \w+ +url ", line))
    return lines, error, lines[at : at + 2]


def test_the_url_is_fetched_through_the_public_endpoint(
    s3_server: SeaweedFS, bucket_name: str
) -> None:
    proxy = FaultProxy(s3_server.s3_port)
    try:
        lines, error, _ = _public_probe(s3_server, bucket_name, proxy.endpoint_url)
    finally:
        proxy.close()
    url_line = (
        f"  OK    url          GET http://PUBLIC/{bucket_name}/.s3probe-ID.txt (public "
        "endpoint) returned HTTP 200 and the object's bytes"
    )
    ok = [url_line if " url " in line else line for line in expected_ok(bucket_name)]
    assert (lines[1:], error) == ([*ok, "All checks passed."], "")
    # Only the URL fetch crossed the public endpoint; every other check went to endpoint_url.
    assert [method for method, _ in proxy.requests] == ["GET"]


def test_an_unreachable_public_endpoint_fails_url(s3_server: SeaweedFS, bucket_name: str) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{unused.getsockname()[1]}"
    _, error, url_lines = _public_probe(s3_server, bucket_name, closed)
    assert url_lines == [
        f"  FAIL  url          GET http://PUBLIC/{bucket_name}/.s3probe-ID.txt (public "
        "endpoint) failed: <urlopen error [Errno 111] Connection refused>",
        "        fix: Check AWS_S3_PUBLIC_ENDPOINT_URL / public_endpoint_url: this machine "
        "cannot reach it. If only browsers can, open a URL from url() in a browser instead.",
    ]
    assert error == "1 check failed (default: url). (exit 1)"


def test_a_refused_url_at_the_public_endpoint_names_the_forwarding(
    s3_server: SeaweedFS, bucket_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a proxy that rewrites the Host header gets: the signature no longer matches.
    refused = b"<Error><Code>SignatureDoesNotMatch</Code></Error>"
    monkeypatch.setattr(_probe, "fetch", lambda *args: (403, refused))
    _, error, url_lines = _public_probe(s3_server, bucket_name, "https://files.example.com")
    assert url_lines == [
        f"  FAIL  url          GET http://PUBLIC/{bucket_name}/.s3probe-ID.txt (public "
        "endpoint) returned HTTP 403 (SignatureDoesNotMatch)",
        "        fix: Check that AWS_S3_PUBLIC_ENDPOINT_URL / public_endpoint_url leads to the "
        "same store as AWS_S3_ENDPOINT_URL / endpoint_url and forwards the path and the Host "
        "header unchanged (a signature covers both), then AWS_S3_REGION_NAME / region_name.",
    ]
    assert error == "1 check failed (default: url). (exit 1)"
