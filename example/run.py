#!/usr/bin/env python3
"""Run the s3storages demo: a Django site whose files live on a local S3 server.

This process starts SeaweedFS once, with its data in ``.demo-data/`` (kept
between runs), creates the two buckets, runs ``collectstatic``, then runs
Django's development server. The server's address and keys reach Django
through ``DEMO_*`` environment variables, so the processes Django's
autoreloader starts use the same S3 server. Ctrl-C (or SIGTERM) stops the
development server and then the S3 server, by the process IDs started here.

    python example/run.py [--port 8000] [--noreload] [--data-dir DIR]
    python example/run.py COMMAND ...   # any manage.py command, e.g. check or s3probe
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from storages.testing.seaweedfs import SeaweedFS

HERE = Path(__file__).resolve().parent
MEDIA_BUCKET = "demo-media"
STATIC_BUCKET = "demo-static"
#: How long the development server may take to accept connections.
START_TIMEOUT = 60.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="port of the site (8000)")
    parser.add_argument("--noreload", action="store_true", help="no autoreloader")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=HERE.parent / ".demo-data",
        help="where the S3 server keeps its data (.demo-data/)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="a manage.py command to run")
    return parser.parse_args(argv)


def public_read_policy(bucket: str) -> str:
    """Return a bucket policy that lets anyone read ``bucket``, as static files need."""
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/*"],
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def upload_cors(port: int) -> dict[str, object]:
    """Return CORS rules that let the site's pages upload straight to the media bucket."""
    rule = {
        "AllowedOrigins": [f"http://127.0.0.1:{port}", f"http://localhost:{port}"],
        "AllowedMethods": ["POST", "PUT"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],  # the browser reads each part's ETag
        "MaxAgeSeconds": 600,
    }
    return {"CORSRules": [rule]}


def prepare_buckets(server: SeaweedFS, port: int) -> None:
    """Create the buckets (kept from earlier runs), make the static one public, and let
    the site on ``port`` upload to the media one."""
    server.create_bucket(MEDIA_BUCKET)
    server.create_bucket(STATIC_BUCKET)
    client = server.client()
    client.put_bucket_policy(Bucket=STATIC_BUCKET, Policy=public_read_policy(STATIC_BUCKET))
    client.put_bucket_cors(Bucket=MEDIA_BUCKET, CORSConfiguration=upload_cors(port))


def django_env(server: SeaweedFS) -> dict[str, str]:
    """Return this process's environment plus what the demo settings read."""
    return {
        **os.environ,
        "DEMO_S3_ENDPOINT_URL": server.endpoint_url,
        "DEMO_S3_ACCESS_KEY": server.access_key,
        "DEMO_S3_SECRET_KEY": server.secret_key,
        "DEMO_SECRET_KEY": secrets.token_urlsafe(32),
    }


def manage(*args: str) -> list[str]:
    return [sys.executable, str(HERE / "manage.py"), *args]


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    """Wait until something accepts connections on ``port``, or the process exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The development server exited with status {process.returncode}.")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"The development server did not listen on port {port} in time.")


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group started as ``process`` (runserver and its reloaded child)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(args: argparse.Namespace, env: dict[str, str]) -> int:
    """Collect the static files, then run the development server until it is stopped."""
    subprocess.run(manage("collectstatic", "--noinput"), cwd=HERE, env=env, check=True)
    options = ["--noreload"] if args.noreload else []
    # A session of its own: Ctrl-C reaches only this process, which stops the
    # server's whole group (the autoreloader and the child it restarts).
    web = subprocess.Popen(
        manage("runserver", f"127.0.0.1:{args.port}", *options),
        cwd=HERE,
        env=env,
        start_new_session=True,
    )
    try:
        wait_until_listening(args.port, web)
        print(f"\nThe demo is running: open http://127.0.0.1:{args.port}/ (Ctrl-C stops it)\n")
        sys.stdout.flush()
        return web.wait()
    finally:
        stop_group(web)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    server = SeaweedFS(data_dir=args.data_dir / "seaweedfs")
    try:
        server.start()
        assert server.process is not None
        print(
            f"S3 server (SeaweedFS) at {server.endpoint_url}, pid {server.process.pid}, "
            f"data in {args.data_dir}",
            flush=True,
        )
        prepare_buckets(server, args.port)
        env = django_env(server)
        if args.command:
            return subprocess.run(manage(*args.command), cwd=HERE, env=env).returncode
        return serve(args, env)
    except KeyboardInterrupt:
        return 0
    finally:
        pid = server.process.pid if server.process is not None else None
        server.stop()
        if pid is not None:
            print(f"Stopped the S3 server (pid {pid}).", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
