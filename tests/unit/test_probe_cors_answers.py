"""How ``s3probe``'s cors check reads a preflight answer: as a browser does, whatever the status."""

from __future__ import annotations

import pytest

from storages.backends._s3.probe.cors import Preflight, is_origin, refusal

ORIGIN = "https://www.example.com"
PUT = Preflight("PUT", "https://s3.example.com/media/k", ("Content-Type", "If-None-Match"), True)
POST = Preflight("POST", "https://s3.example.com/media")
ALLOWED = {
    "access-control-allow-origin": ORIGIN,
    "access-control-allow-methods": "POST, PUT",
    "access-control-allow-headers": "content-type, if-none-match",
    "access-control-expose-headers": "ETag",
}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({}, ""),
        ({"access-control-allow-origin": "*"}, ""),
        ({"access-control-allow-headers": "*", "access-control-expose-headers": "*"}, ""),
        ({"access-control-allow-origin": None}, "no Access-Control-Allow-Origin"),
        (
            {"access-control-allow-origin": "https://shop.example.com"},
            "Access-Control-Allow-Origin 'https://shop.example.com'",
        ),
        ({"access-control-allow-methods": "POST"}, "no PUT in Access-Control-Allow-Methods"),
        (
            {"access-control-allow-headers": "Content-Type"},
            "no If-None-Match in Access-Control-Allow-Headers",
        ),
        (
            {"access-control-expose-headers": None},
            "no ETag in Access-Control-Expose-Headers (multipart uploads read it)",
        ),
    ],
)
def test_a_put_preflight_answer(changes: dict[str, str | None], problem: str) -> None:
    headers = {name: value for name, value in {**ALLOWED, **changes}.items() if value is not None}
    assert refusal(PUT, ORIGIN, 200, headers, b"") == problem


def test_a_refusal_names_the_status_and_s3_error_code() -> None:
    body = b"<Error><Code>AccessForbidden</Code><Message>CORSResponse</Message></Error>"
    assert refusal(PUT, ORIGIN, 403, {}, body) == "HTTP 403 (AccessForbidden)"


def test_post_needs_no_listed_method_nor_etag() -> None:
    # POST is a CORS-safelisted method, and the form upload reads no header of the answer.
    headers = {"access-control-allow-origin": ORIGIN}
    assert refusal(POST, ORIGIN, 200, headers, b"") == ""


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://www.example.com", True),
        ("http://127.0.0.1:8000", True),
        ("http://[::1]:8000", True),
        ("https://www.example.com/", False),
        ("https://www.example.com/upload", False),
        ("www.example.com", False),
        ("https://*.example.com", False),
        ("https://user@www.example.com", False),
        ("https://www.example.com:port", False),
        ("ftp://www.example.com", False),
    ],
)
def test_what_is_an_origin(text: str, origin: bool) -> None:
    assert is_origin(text) is origin
