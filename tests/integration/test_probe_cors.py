"""``s3probe``'s cors check on SeaweedFS: the preflights of direct uploads, and the rule to add."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from test_probe import header, probe, s3

from storages.testing.seaweedfs import SeaweedFS

pytestmark = pytest.mark.integration

SITE = "https://www.example.com"
FIX = (
    "        fix: Add this rule to the bucket's CORS configuration (the S3 console, or "
    "put_bucket_cors()):"
)


def quoted(items: list[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def rule_lines(origins: list[str], headers: list[str]) -> list[str]:
    """The CORS rule the fix prints, line by line, indented under "fix: "."""
    return [
        f"             {line}"
        for line in [
            "[",
            "    {",
            f'        "AllowedOrigins": [{quoted(origins)}],',
            '        "AllowedMethods": ["POST", "PUT"],',
            f'        "AllowedHeaders": [{quoted(headers)}],',
            '        "ExposeHeaders": ["ETag"],',
            '        "MaxAgeSeconds": 3600',
            "    }",
            "]",
        ]
    ]


def cors_lines(lines: list[str]) -> list[str]:
    """Return the cors check's lines: its result and, under a failure, the fix."""
    at = next(n for n, line in enumerate(lines) if line[8:].startswith("cors "))
    end = next((n for n in range(at + 1, len(lines)) if not lines[n].startswith(" " * 8)), None)
    return lines[at:end]


def put_cors(client: Any, bucket: str, **changes: Any) -> None:
    """Give ``bucket`` the how-to's CORS rule for SITE, with ``changes``."""
    rule = {
        "AllowedOrigins": [SITE],
        "AllowedMethods": ["POST", "PUT"],
        "AllowedHeaders": ["Content-Type", "Cache-Control", "If-None-Match", "x-amz-*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 3600,
        **changes,
    }
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})


def probe_cors(server: SeaweedFS, bucket: str, *args: str, **options: Any) -> tuple[list[str], str]:
    lines, error = probe(server, {"default": s3(server, bucket, **options)}, *args)
    return cors_lines(lines), error


def test_the_how_tos_rule_passes(s3_server: SeaweedFS, bucket_name: str, s3_client: Any) -> None:
    put_cors(s3_client, bucket_name)
    lines, error = probe_cors(s3_server, bucket_name, "--origin", SITE)
    assert lines == [
        "  OK    cors         'https://www.example.com' may POST, and PUT with Content-Type "
        "(ETag exposed)",
    ]
    assert error == ""


def test_the_put_preflight_asks_for_the_headers_the_storage_signs(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    put_cors(s3_client, bucket_name)
    options = {"file_overwrite": False, "object_parameters": {"CacheControl": "max-age=60"}}
    lines, error = probe_cors(s3_server, bucket_name, "--origin", SITE, **options)
    assert lines == [
        "  OK    cors         'https://www.example.com' may POST, and PUT with Cache-Control, "
        "Content-Type, If-None-Match (ETag exposed)",
    ]
    assert error == ""


def test_another_origin_fails_with_the_rule_to_add(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    put_cors(s3_client, bucket_name)
    lines, error = probe_cors(
        s3_server, bucket_name, "--origin", "https://shop.example.com", file_overwrite=False
    )
    assert lines == [
        "  FAIL  cors         browsers cannot upload: the preflight of a PUT from "
        "'https://shop.example.com' got HTTP 403 (AccessDenied)",
        FIX,
        *rule_lines(["https://shop.example.com"], ["Content-Type", "If-None-Match"]),
    ]
    assert error == "1 check failed (default: cors). (exit 1)"


def test_each_origin_is_checked_and_the_rule_names_them_all(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    put_cors(s3_client, bucket_name)
    other = "http://127.0.0.1:8000"
    lines, error = probe_cors(s3_server, bucket_name, "--origin", SITE, "--origin", other)
    assert lines == [
        "  FAIL  cors         browsers cannot upload: the preflight of a PUT from "
        "'http://127.0.0.1:8000' got HTTP 403 (AccessDenied)",
        FIX,
        *rule_lines([SITE, other], ["Content-Type"]),
    ]
    assert error == "1 check failed (default: cors). (exit 1)"


def test_a_header_or_method_the_rule_leaves_out_fails(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    # SeaweedFS answers such preflights with 200 but without the Access-Control-Allow-*
    # lists, and a browser then refuses the PUT all the same.
    put_cors(s3_client, bucket_name, AllowedHeaders=["Content-Type"])
    lines, error = probe_cors(s3_server, bucket_name, "--origin", SITE, file_overwrite=False)
    assert lines == [
        "  FAIL  cors         browsers cannot upload: the preflight of a PUT from "
        "'https://www.example.com' got no PUT in Access-Control-Allow-Methods, nor "
        "Content-Type, If-None-Match in Access-Control-Allow-Headers",
        FIX,
        *rule_lines([SITE], ["Content-Type", "If-None-Match"]),
    ]
    assert error == "1 check failed (default: cors). (exit 1)"
    put_cors(s3_client, bucket_name, AllowedMethods=["POST"])
    lines, _ = probe_cors(s3_server, bucket_name, "--origin", SITE)
    assert lines[0] == (
        "  FAIL  cors         browsers cannot upload: the preflight of a PUT from "
        "'https://www.example.com' got no PUT in Access-Control-Allow-Methods, nor "
        "Content-Type in Access-Control-Allow-Headers"
    )


def test_a_rule_that_hides_the_etag_fails(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    put_cors(s3_client, bucket_name, ExposeHeaders=["x-amz-request-id"])
    lines, error = probe_cors(s3_server, bucket_name, "--origin", SITE)
    assert lines == [
        "  FAIL  cors         browsers cannot upload: the preflight of a PUT from "
        "'https://www.example.com' got no ETag in Access-Control-Expose-Headers (multipart "
        "uploads read it)",
        FIX,
        *rule_lines([SITE], ["Content-Type"]),
    ]
    assert error == "1 check failed (default: cors). (exit 1)"


def test_the_rule_the_fix_prints_passes(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    put_cors(s3_client, bucket_name, AllowedOrigins=["https://old.example.com"])
    lines, _ = probe_cors(s3_server, bucket_name, "--origin", SITE, file_overwrite=False)
    printed = "\n".join(line[13:] for line in lines[2:])
    s3_client.put_bucket_cors(
        Bucket=bucket_name, CORSConfiguration={"CORSRules": json.loads(printed)}
    )
    lines, error = probe_cors(s3_server, bucket_name, "--origin", SITE, file_overwrite=False)
    assert lines[0].startswith("  OK    cors ")
    assert error == ""


def test_a_bucket_without_cors_rules_is_open_on_seaweedfs(
    s3_server: SeaweedFS, bucket_name: str
) -> None:
    # SeaweedFS answers every preflight when a bucket has no CORS configuration; S3 refuses
    # them (403), which the probe reports as for another origin above.
    lines, error = probe_cors(s3_server, bucket_name, "--origin", SITE)
    assert lines == [
        "  OK    cors         'https://www.example.com' may POST, and PUT with Content-Type "
        "(ETag exposed)",
    ]
    assert error == ""


def test_the_origins_default_to_csrf_trusted_origins(
    s3_server: SeaweedFS, bucket_name: str, s3_client: Any
) -> None:
    put_cors(s3_client, bucket_name)
    trusted = ["https://*.example.com", SITE, "https://shop.example.com"]
    with override_settings(CSRF_TRUSTED_ORIGINS=trusted):
        lines, error = probe_cors(s3_server, bucket_name)
    # The wildcard is no origin a browser sends; the other two are checked.
    assert lines == [
        "  FAIL  cors         browsers cannot upload: the preflight of a PUT from "
        "'https://shop.example.com' got HTTP 403 (AccessDenied)",
        FIX,
        *rule_lines([SITE, "https://shop.example.com"], ["Content-Type"]),
    ]
    assert error == "1 check failed (default: cors). (exit 1)"


def test_without_storages_uploads_only_origin_asks_for_the_check(
    s3_server: SeaweedFS, bucket_name: str
) -> None:
    apps = ["django.contrib.contenttypes", "django.contrib.auth", "storages"]
    with override_settings(INSTALLED_APPS=apps, CSRF_TRUSTED_ORIGINS=[SITE]):
        lines, error = probe_cors(s3_server, bucket_name)
    assert lines == [
        "  SKIP  cors         no --origin given (only uploads straight from browsers need CORS)"
    ]
    assert error == ""


def test_the_static_files_storage_is_not_checked(s3_server: SeaweedFS, bucket_name: str) -> None:
    storages = {"staticfiles": s3(s3_server, bucket_name)}
    lines, error = probe(s3_server, storages, "--origin", SITE)
    assert lines[0] == header("staticfiles", bucket_name)
    assert cors_lines(lines) == [
        "  SKIP  cors         static files: browsers do not upload to them"
    ]
    assert error == ""


@pytest.mark.parametrize(
    "origin",
    ["www.example.com", "https://www.example.com/", "https://*.example.com", "ftp://example.com"],
)
def test_an_origin_that_is_not_one_is_refused(
    s3_server: SeaweedFS, bucket_name: str, origin: str
) -> None:
    with (
        override_settings(STORAGES={"default": s3(s3_server, bucket_name)}),
        pytest.raises(CommandError) as raised,
    ):
        call_command("s3probe", "--origin", origin, stdout=io.StringIO())
    assert str(raised.value) == (
        "--origin takes the origin of the site's pages, such as https://www.example.com "
        f"(scheme, host and port only), not {origin!r}."
    )
