"""Reused URLs work on SeaweedFS: signed at their window's start, valid for expire + window."""

from __future__ import annotations

import time

import pytest
from django.core.files.base import ContentFile
from test_url_presigned import SIGNATURES, http, local_url

from storages.backends._s3.urls import presign as _s3_presign

pytestmark = pytest.mark.integration

WINDOW = 600


@pytest.mark.parametrize("signature_version", SIGNATURES)
def test_a_reused_url_returns_the_content(make_storage, signature_version):
    storage = make_storage(signature_version=signature_version, querystring_reuse_window=WINDOW)
    storage.save("cached.txt", ContentFile(b"cache me"))

    url = local_url(storage, "cached.txt")

    assert storage.url("cached.txt") == url
    assert http(url) == (200, b"cache me")


@pytest.mark.parametrize("signature_version", SIGNATURES)
def test_validity_counts_from_the_window_start(make_storage, monkeypatch, signature_version):
    storage = make_storage(signature_version=signature_version, querystring_reuse_window=WINDOW)
    storage.save("old.txt", ContentFile(b"still here"))
    now = time.time()
    # Asked 100 seconds ago for 120: signed up to 700 seconds ago, for 720.
    monkeypatch.setattr(_s3_presign, "now", lambda: now - 100)
    live = local_url(storage, "old.txt", expire=120)
    # Asked two windows ago for 60: its window and the 60 seconds after it are over.
    monkeypatch.setattr(_s3_presign, "now", lambda: now - 2 * WINDOW - 60)
    dead = local_url(storage, "old.txt", expire=60)
    monkeypatch.undo()

    assert http(live) == (200, b"still here")
    status, body = http(dead)
    assert status == 403, body
