"""A site with the direct upload views, and the requests the widget's script sends to them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.storage import storages
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import include, path

from helpers import send
from storages.backends.s3 import S3Storage
from storages.testing.seaweedfs import SeaweedFS
from storages.uploads import views

urlpatterns = [path("uploads/", include("storages.uploads.urls"))]

CSRF_SECRET = "a" * 32
VIEWS = {
    "sign": views.SignView,
    "parts": views.PartsView,
    "complete": views.CompleteView,
    "abort": views.AbortView,
}


@contextlib.contextmanager
def media_storage(server: SeaweedFS, bucket: str) -> Iterator[S3Storage]:
    """Make ``bucket`` the default storage (under ``media/``, SigV4) and this site the URLs."""
    options = server.storage_options(bucket, signature_version="s3v4", location="media")
    backends = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=backends, ROOT_URLCONF="uploads_site"):
        yield storages["default"]


def user(pk: int = 1) -> User:
    """Return a logged-in user, never saved (no database needed)."""
    return User(pk=pk, username=f"user{pk}")


def call(
    view: str,
    data: Any,
    who: User | AnonymousUser | None = None,
    csrf: bool = True,
    **initkwargs: Any,
) -> tuple[int, Any]:
    """POST ``data`` as JSON to an upload view as the browser's script does; return status, body."""
    headers = {"HTTP_X_CSRFTOKEN": CSRF_SECRET} if csrf else {}
    request = RequestFactory().post(
        f"/uploads/{view}/", json.dumps(data), content_type="application/json", **headers
    )
    request.COOKIES["csrftoken"] = CSRF_SECRET
    request.user = who if who is not None else user()
    response: HttpResponse = VIEWS[view].as_view(**initkwargs)(request)
    body = response.content
    is_json = response.get("Content-Type") == "application/json"
    return response.status_code, json.loads(body) if is_json else body


def upload_parts(urls: dict[str, str], data: bytes, part_size: int) -> list[dict[str, Any]]:
    """PUT each part of ``data`` to its URL; return the parts list complete takes."""
    parts = []
    for number, url in sorted(urls.items(), key=lambda item: int(item[0])):
        start = (int(number) - 1) * part_size
        status, headers, _ = send(url, "PUT", data[start : start + part_size])
        assert status == 200
        parts.append({"part_number": int(number), "etag": headers["ETag"]})
    return parts
