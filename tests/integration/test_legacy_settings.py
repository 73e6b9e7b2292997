"""The pre-STORAGES settings: honoured by Django 4.2 (and 5.0), ignored from Django 5.1.

The settings doc's example for static files, ``STATICFILES_STORAGE =
"storages.backends.s3.S3Storage"`` with the ``AWS_*`` settings, must work on
the last series that reads it; from Django 5.1 on, the system check says it is
ignored. Each case runs a real settings module in a new process, as a project
would: ``override_settings`` cannot stand in for them on Django 4.2, whose
signal handlers rebuild the storages in another order than its startup does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import django
import pytest

pytestmark = pytest.mark.integration

S3 = "storages.backends.s3.S3Storage"
#: Django 5.1 removed DEFAULT_FILE_STORAGE and STATICFILES_STORAGE.
HONOURED = django.VERSION < (5, 1)

SCRIPT = """
import io, json, django
from django.core.management import call_command
django.setup()
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from storages.checks import check_storages
out = io.StringIO()
call_command("collectstatic", interactive=False, verbosity=1, stdout=out)
saved = default_storage.save("avatar.png", ContentFile(b"png"))
print(json.dumps({
    "collectstatic": out.getvalue().strip(),
    "static": type(staticfiles_storage._wrapped).__name__,
    "static_url": staticfiles_storage.url("css/site.css"),
    "default": type(default_storage._wrapped).__name__,
    "saved": saved,
    "checks": [str(message) for message in check_storages()],
    "check_ids": [message.id for message in check_storages()],
}))
"""


def run_project(tmp_path, server, bucket):
    (tmp_path / "assets" / "css").mkdir(parents=True)
    (tmp_path / "assets" / "css" / "site.css").write_bytes(b"body { color: red; }\n")
    (tmp_path / "legacy_settings.py").write_text(
        textwrap.dedent(
            f"""
            SECRET_KEY = "tests-only"
            INSTALLED_APPS = ["django.contrib.staticfiles", "storages"]
            USE_TZ = True
            STATIC_URL = "/static/"
            STATICFILES_DIRS = [{str(tmp_path / "assets")!r}]
            STATIC_ROOT = {str(tmp_path / "collected")!r}
            MEDIA_ROOT = {str(tmp_path / "media")!r}
            DEFAULT_FILE_STORAGE = {S3!r}
            STATICFILES_STORAGE = {S3!r}
            AWS_STORAGE_BUCKET_NAME = {bucket!r}
            AWS_S3_ENDPOINT_URL = {server.endpoint_url!r}
            AWS_S3_ACCESS_KEY_ID = {server.access_key!r}
            AWS_S3_SECRET_ACCESS_KEY = {server.secret_key!r}
            AWS_S3_REGION_NAME = {server.region!r}
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "legacy_settings"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def stored_keys(client, bucket):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_legacy_storage_settings_follow_the_django_version(
    s3_server, bucket_name, s3_client, tmp_path
):
    result = run_project(tmp_path, s3_server, bucket_name)
    if HONOURED:
        # Django 4.2 builds both storages from the old settings.
        assert result == {
            "collectstatic": "1 static file copied.",
            "static": "S3Storage",
            "static_url": result["static_url"],
            "default": "S3Storage",
            "saved": "avatar.png",
            "checks": result["checks"],
            # The checks see the storages Django built: media overwrites, static is signed.
            "check_ids": ["storages.W002", "storages.W006"],
        }
        assert result["static_url"].startswith(
            f"{s3_server.endpoint_url}/{bucket_name}/css/site.css?"
        )
        assert stored_keys(s3_client, bucket_name) == ["avatar.png", "css/site.css"]
        assert not (tmp_path / "collected").exists()
        return
    # Django 5.1 and later ignore them: files stay local, and the check says why.
    assert result == {
        "collectstatic": f"1 static file copied to '{tmp_path / 'collected'}'.",
        "static": "StaticFilesStorage",
        "static_url": "/static/css/site.css",
        "default": "FileSystemStorage",
        "saved": "avatar.png",
        "check_ids": ["storages.W009", "storages.W009"],
        "checks": [
            f"{name}: (storages.W009) {name} is set to '{S3}', but Django "
            f"{django.get_version()} ignores it; STORAGES[{alias!r}] is used instead "
            f"({backend!r}).\n\tHINT: Move it to STORAGES = {{{alias!r}: {{'BACKEND': "
            f"'{S3}'}}}} and delete {name}."
            for name, alias, backend in (
                ("DEFAULT_FILE_STORAGE", "default", "django.core.files.storage.FileSystemStorage"),
                (
                    "STATICFILES_STORAGE",
                    "staticfiles",
                    "django.contrib.staticfiles.storage.StaticFilesStorage",
                ),
            )
        ],
    }
    assert stored_keys(s3_client, bucket_name) == []
    assert (tmp_path / "media" / "avatar.png").read_bytes() == b"png"
