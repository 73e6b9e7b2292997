"""Shared by the static-files tests: a source tree, settings for it, and a request counter.

Imported by ``test_static_*.py`` and ``test_collectstatic_*.py``; holds no tests.
"""

from __future__ import annotations

import io
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import override_settings

#: A small static tree: stylesheets that reference images and each other,
#: a script with a source map comment, and files nothing refers to.
SOURCES: dict[str, bytes] = {
    "css/app.css": b'@import url("base.css");\n.logo { background: url("../img/logo.png"); }\n',
    "css/base.css": b'body { background: url("../img/bg.svg"); }\n',
    "css/plain.css": b"p { color: red; }\n",
    "js/app.js": b"console.log('app');\n//# sourceMappingURL=app.js.map\n",
    "js/app.js.map": b'{"version": 3, "sources": ["app.ts"]}\n',
    "img/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "img/bg.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    "data/config.json": b'{"debug": false}\n',
    "robots.txt": b"User-agent: *\n",
}

#: Our static storages, each with the Django storage it must behave like.
PLAIN = (
    "storages.backends.s3.S3StaticStorage",
    "django.contrib.staticfiles.storage.StaticFilesStorage",
)
MANIFEST = (
    "storages.backends.s3.S3ManifestStaticStorage",
    "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
)

#: Source mtimes start an hour in the past, so uploads are newer than their sources.
PAST = time.time() - 3600


class RequestCounter:
    """Counts the HTTP requests one boto3 client sends (retries included), by S3 operation."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self._clients: list[Any] = []

    def attach(self, client: Any) -> None:
        """Count every request ``client`` sends from now on (once per client)."""
        if any(known is client for known in self._clients):
            return
        self._clients.append(client)
        client.meta.events.register("before-send.s3", self._record)

    def _record(self, request: Any, **kwargs: Any) -> None:
        self.sent.append((request.method, request.url))

    def reset(self) -> None:
        """Forget what was counted so far."""
        self.sent.clear()

    @property
    def total(self) -> int:
        """The number of requests sent."""
        return len(self.sent)

    def by_operation(self) -> Counter[str]:
        """Count the requests by S3 operation (as far as method and query tell)."""
        counts: Counter[str] = Counter()
        for method, url in self.sent:
            query = urlsplit(url).query
            if method == "GET" and "list-type=2" in query:
                counts["ListObjectsV2"] += 1
            elif method == "GET" and "delimiter=" in query:
                counts["ListObjects"] += 1
            elif method == "POST" and query.startswith("delete"):
                counts["DeleteObjects"] += 1
            else:
                counts[
                    {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject"}.get(
                        method, method
                    )
                ] += 1
        return counts


@dataclass
class StaticSite:
    """A static source tree, the staticfiles storage it is collected to, and counters."""

    root: Path
    bucket: str
    client: Any
    counter: RequestCounter = field(default_factory=RequestCounter)

    @property
    def storage(self) -> Any:
        """The configured staticfiles storage (what collectstatic writes to)."""
        return storages["staticfiles"]

    def write(self, name: str, data: bytes, mtime: float | None = None) -> None:
        """Write a source file; its mtime is ``mtime``, else one minute from now."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        stamp = time.time() + 60 if mtime is None else mtime
        os.utime(path, (stamp, stamp))

    def touch(self, name: str) -> None:
        """Make a source file newer than anything uploaded, keeping its bytes."""
        stamp = time.time() + 60
        os.utime(self.root / name, (stamp, stamp))

    def collectstatic(self, *args: str, command: Any = "collectstatic", **options: Any) -> str:
        """Run a collectstatic command (Django's by default) and return its output."""
        out = io.StringIO()
        options.setdefault("interactive", False)
        options.setdefault("verbosity", 1)
        # Settings overrides rebuild the storage: count on the one this run uses.
        self.counter.attach(self.storage.connection.meta.client)
        self.counter.reset()
        call_command(command, *args, stdout=out, stderr=io.StringIO(), **options)
        return out.getvalue()

    def bucket_objects(self) -> dict[str, bytes]:
        """Return every object of the bucket: key -> bytes."""
        objects = {}
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket):
            for item in page.get("Contents", ()):
                body = self.client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"]
                objects[item["Key"]] = body.read()
        return objects


def summary(output: str) -> str:
    """Return the last line of a collectstatic output: its summary."""
    return output.strip().splitlines()[-1]


def tree_files(root: Path) -> dict[str, bytes]:
    """Return every file under ``root``: relative posix name -> bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def staticfiles_settings(backend: str, options: dict[str, Any]) -> dict[str, Any]:
    """Return a STORAGES setting whose staticfiles storage is ``backend``."""
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": backend, "OPTIONS": options},
    }


def warm_up(server: Any, bucket: str) -> None:
    """Write and delete one object, so a new bucket's first write is not retried in a test."""
    # Short timeouts and one attempt each: a busy server must not stall a test for minutes.
    client = server.client(
        config=Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 1})
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            client.put_object(Bucket=bucket, Key="warm-up", Body=b"")
            break
        except (ClientError, BotoCoreError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    client.delete_object(Bucket=bucket, Key="warm-up")


@pytest.fixture
def make_site(
    s3_server: Any, bucket_name: str, s3_client: Any, tmp_path: Path
) -> Iterator[Callable[..., StaticSite]]:
    """Build a StaticSite: ``make_site(backend_path, **options)`` with SOURCES written."""
    overrides: list[Any] = []

    def factory(
        backend: str = "storages.backends.s3.S3StaticStorage",
        sources: dict[str, bytes] | None = None,
        **options: Any,
    ) -> StaticSite:
        root = tmp_path / "static-src"
        site = StaticSite(root, bucket_name, s3_client)
        for name, data in (SOURCES if sources is None else sources).items():
            site.write(name, data, mtime=PAST)
        warm_up(s3_server, bucket_name)
        override = override_settings(
            STORAGES=staticfiles_settings(
                backend, s3_server.storage_options(bucket_name, **options)
            ),
            STATICFILES_DIRS=[str(root)],
            STATIC_ROOT=None,
        )
        override.enable()
        overrides.append(override)
        return site

    yield factory
    for override in reversed(overrides):
        override.disable()


def collect_locally(root: Path, target: Path, backend: str, *args: str, **options: Any) -> None:
    """Run Django's collectstatic with one of Django's own storages into ``target``."""
    with override_settings(
        STORAGES=staticfiles_settings(backend, {}),
        STATICFILES_DIRS=[str(root)],
        STATIC_ROOT=str(target),
    ):
        call_command(
            "collectstatic", *args, interactive=False, verbosity=0, stdout=io.StringIO(), **options
        )


__all__ = [
    "MANIFEST",
    "PAST",
    "PLAIN",
    "SOURCES",
    "RequestCounter",
    "StaticSite",
    "collect_locally",
    "make_site",
    "summary",
    "tree_files",
    "warm_up",
]
