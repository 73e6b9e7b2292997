"""Launch and stop a ``weed mini`` process: its ports, arguments, files and PID.

The machinery behind :class:`storages.testing.seaweedfs.SeaweedFS`, which
keeps the state (ports in use, the process, the data directory) and calls
these functions in order. Nothing here knows about S3 clients or buckets.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "PORT_FLAGS",
    "free_port",
    "make_self_signed_cert",
    "other_ports",
    "prepare_data_dir",
    "remove_own_sockets",
    "seaweedfs_sockets",
    "server_env",
    "spawn",
    "tail",
    "terminate",
    "tls_args",
    "weed_args",
]

#: The ports ``weed mini`` opens; each gets a free port of its own so that
#: several servers (parallel test workers) can run side by side.
PORT_FLAGS = (
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

#: Ports are drawn below Linux's default ephemeral range (32768-60999): a port
#: the kernel hands out for outgoing connections can be taken again between our
#: check and the server's bind, which a busy test run does often.
_PORT_RANGE = (20000, 32000)

#: SeaweedFS talks to itself over unix sockets in the temp dir, named after
#: the port each serves (``seaweedfs-s3-8333.sock``).
_SOCKET_PATTERN = "seaweedfs-*.sock"


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


def other_ports(s3_port: int) -> list[int]:
    """Return one free port per :data:`PORT_FLAGS` entry, sorted, none of them ``s3_port``."""
    ports: set[int] = {s3_port}
    while len(ports) < len(PORT_FLAGS) + 1:
        ports.add(free_port())
    ports.discard(s3_port)
    return sorted(ports)


def prepare_data_dir(data: Path) -> None:
    """Create the log directory and the ``master.toml`` that ``weed`` reads from ``data``."""
    (data / "log").mkdir(parents=True, exist_ok=True)
    # Every bucket is a SeaweedFS collection, which by default grows 7 volumes
    # at once; the volume limit (free disk / 128 MB) then runs out after a few
    # dozen buckets and writes fail with InternalError. One volume per
    # collection lets a test suite create a bucket per test. weed reads
    # master.toml from its working directory, the data directory.
    master_toml = data / "master.toml"
    if not master_toml.exists():
        master_toml.write_text("[master.volume_growth]\ncopy_1 = 1\ncopy_other = 1\n")


def weed_args(weed: str, data: Path, s3_port: int, ports: Sequence[int]) -> list[str]:
    """Return the ``weed mini`` command line: loopback only, ``ports`` for :data:`PORT_FLAGS`."""
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
        # One volume per bucket (see prepare_data_dir): allow a bucket per test.
        "-volume.max=5000",
        f"-s3.port={s3_port}",
    ]
    return args + [f"-{flag}={port}" for flag, port in zip(PORT_FLAGS, ports, strict=True)]


def tls_args(https_port: int, cert: Path, key: Path) -> list[str]:
    """Return the arguments that add an HTTPS S3 endpoint with ``cert`` and ``key``."""
    return [
        f"-s3.port.https={https_port}",
        f"-s3.cert.file={cert}",
        f"-s3.key.file={key}",
    ]


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
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


def server_env(access_key: str, secret_key: str, memory_limit: str) -> dict[str, str]:
    """Return this process's environment with only the server's own ``AWS_*`` credentials."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("AWS_"):
            del env[name]
    env["AWS_ACCESS_KEY_ID"] = access_key
    env["AWS_SECRET_ACCESS_KEY"] = secret_key
    env["GOMEMLIMIT"] = memory_limit
    return env


def spawn(args: Sequence[str], env: dict[str, str], data: Path) -> subprocess.Popen[bytes]:
    """Start ``args`` in its own session in ``data``, appending its output to ``log/stdout.log``."""
    with open(data / "log" / "stdout.log", "ab") as out:
        return subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=str(data),
            start_new_session=True,
        )


def terminate(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop ``process`` by its PID: SIGTERM, then SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=5)


def seaweedfs_sockets() -> set[str]:
    """Return the paths of every SeaweedFS unix socket in the temp dir now."""
    return set(glob.glob(os.path.join(tempfile.gettempdir(), _SOCKET_PATTERN)))


def remove_own_sockets(before: set[str], ports: Iterable[int]) -> None:
    """Remove the sockets made since ``before`` for one of ``ports``, and no others."""
    own = set(ports)
    for sock in seaweedfs_sockets() - before:
        # Only our own: servers started since ours (parallel test workers, the demo)
        # made theirs too, and SeaweedFS names each socket after the port it serves.
        match = re.search(r"-(\d+)\.sock$", sock)
        if match and int(match[1]) in own:
            with contextlib.suppress(OSError):
                os.unlink(sock)


def tail(path: Path, lines: int = 20) -> str:
    """Return the last ``lines`` lines of the file at ``path``, or ``(no log)``."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
