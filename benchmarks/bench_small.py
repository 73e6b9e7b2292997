"""Benchmark small-object operations against raw boto3 on a local SeaweedFS server.

Run:  .venv/bin/python benchmarks/bench_small.py [--rounds 5] [--ops 20] [--json PATH]

Starts its own SeaweedFS (storages.testing.seaweedfs) and measures, beside
the boto3 call that does the same work on the same server:

* ``save()`` of 1 KiB with ``file_overwrite`` on (vs ``put_object``) and off,
  onto a free name (vs ``put_object(IfNoneMatch="*")``) and onto a taken one
  (vs ``head_object`` + a create-only ``put_object`` under a new name);
* ``size()``, ``get_modified_time()`` and ``exists()`` (vs ``head_object``);
* the same on a "rich" configuration: ``object_parameters`` with a
  CacheControl, ``gzip=True`` on .css names, ``default_acl="public-read"``
  (dropped, and said so, if the server refuses the ACL);
* a page render: ``url()`` and ``size()`` of 200 distinct names (vs
  ``generate_presigned_url`` + ``head_object``);
* the cold start: a fresh interpreter importing, configuring and making its
  first URL (vs ``boto3.client(...).generate_presigned_url``), best of --cold,
  with compiled bytecode for both (kept in a temporary PYTHONPYCACHEPREFIX);
* small reads of a 5 MB PNG through ``storage.open()`` (what Django's
  ``get_image_dimensions`` reads, and ``read(100)`` after ``seek(3_000_000)``),
  through a loopback proxy that counts requests, connections and the bytes
  that crossed the socket.

Timed scenarios run --ops operations per side per round (the page: one
page, at most 3 rounds); the sides alternate within each round (and which
goes first alternates between rounds), so both see the same machine load.
Throughput is the best round; CPU per operation
(``time.process_time``, all threads of this process) is the median round;
requests are counted by a ``before-send`` hook on each client (retries
included). Prints the machine's load average, a table, then the results as
JSON (also written to --json PATH).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import json
import os
import random
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

SRC = str(Path(__file__).resolve().parents[1] / "src")
sys.path.insert(0, SRC)

KiB, MiB = 1024, 1024 * 1024
BUCKET = "bench-small"
REGION = "us-east-1"
#: 1 KiB of stylesheet: text, so that gzip has something to do.
BODY = (b".card { margin: 0 auto; padding: 4px 8px; color: #333; }\n" * 20)[:KiB]
PAGE_NAMES = 200
IMAGE_KEY = "bench/photo.png"
SEEK_TO = 3_000_000


# -- counting -----------------------------------------------------------------------


class Requests:
    """Counts the requests every attached botocore client sends (``before-send``)."""

    def __init__(self) -> None:
        self.sent = 0
        self._lock = threading.Lock()

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-send.s3.*", self._count)
        return client

    def _count(self, **kwargs: Any) -> None:
        with self._lock:
            self.sent += 1


class CountingProxy:
    """A loopback TCP relay in front of the server that counts what crosses it.

    Bytes are counted as they are handed to the other socket, so a response
    the client abandons counts what reached the client's socket before it
    closed. Requests are counted from the request heads (bodies framed by
    Content-Length, which is all the read scenarios send).
    """

    def __init__(self, upstream_port: int) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self.connections = 0
        self.requests: Counter[str] = Counter()
        self.bytes_up = 0
        self.bytes_down = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def snapshot(self) -> tuple[int, int, int, int]:
        with self._lock:
            return (sum(self.requests.values()), self.connections, self.bytes_up, self.bytes_down)

    def settle(self) -> tuple[int, int, int, int]:
        """Return the counters once nothing has moved for 50 ms (at most 2 s)."""
        last, deadline = self.snapshot(), time.monotonic() + 2
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.snapshot()
            if now == last:
                break
            last = now
        return last

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._upstream)
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upward: bool) -> None:
        head, body_left = bytearray(), 0
        try:
            while data := source.recv(256 * KiB):
                sink.sendall(data)
                with self._lock:
                    if upward:
                        self.bytes_up += len(data)
                    else:
                        self.bytes_down += len(data)
                while upward and data:
                    if body_left:
                        taken = min(body_left, len(data))
                        body_left, data = body_left - taken, data[taken:]
                        continue
                    head += data
                    end = head.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    body_left, data = self._request(bytes(head[:end])), bytes(head[end + 4 :])
                    head.clear()
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # one side reset the connection: close both
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()

    def _request(self, head: bytes) -> int:
        lines = head.decode("latin-1").split("\r\n")
        with self._lock:
            self.requests[lines[0].split(" ", 1)[0]] += 1
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                return int(value.strip())
        return 0


# -- timed scenarios ----------------------------------------------------------------

Op = Callable[[int], Any]


def timed_block(op: Op, first: int, count: int, counter: Requests) -> dict[str, float]:
    """Run ``op(first)`` .. ``op(first + count - 1)``; return wall, CPU and requests per op."""
    gc.collect()
    sent = counter.sent
    cpu, began = time.process_time(), time.perf_counter()
    for index in range(first, first + count):
        op(index)
    wall = time.perf_counter() - began
    return {
        "ops_per_s": count / wall,
        "cpu_ms": (time.process_time() - cpu) * 1000 / count,
        "requests": (counter.sent - sent) / count,
    }


def compare(
    ours: Op, theirs: Op, rounds: int, ops: int, counter: Requests, warm: int = 2
) -> dict[str, dict[str, float]]:
    """Interleave ``ours`` and ``theirs`` for ``rounds``; return each side's summary."""
    for index in range(warm):  # warm-up: connections, first-call caches
        ours(-1 - index)
        theirs(-1 - index)
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "boto3": []}
    for round_ in range(rounds):
        sides = [("ours", ours), ("boto3", theirs)]
        for side, op in sides if round_ % 2 == 0 else sides[::-1]:
            runs[side].append(timed_block(op, round_ * ops, ops, counter))
    return {
        side: {
            "ops_per_s": max(run["ops_per_s"] for run in side_runs),
            "ops_per_s_median": statistics.median(run["ops_per_s"] for run in side_runs),
            "cpu_ms_per_op": statistics.median(run["cpu_ms"] for run in side_runs),
            "requests_per_op": max(run["requests"] for run in side_runs),
        }
        for side, side_runs in runs.items()
    }


def config_pairs(
    client: Any,
    overwrite: Any,
    create_only: Any,
    prefix: str,
    ext: str,
    extra: dict[str, Any],
    taken_names: list[str],
) -> dict[str, tuple[Op, Op, str]]:
    """Return the (ours, boto3, baseline label) of each timed scenario of one configuration.

    ``extra`` are the put_object parameters that match the storage's settings;
    with ``ContentEncoding`` among them, boto3's side gzips the body as ours does.
    """
    from django.core.files.base import ContentFile

    zipped = "ContentEncoding" in extra
    existing, taken = f"{prefix}existing.{ext}", f"{prefix}taken.{ext}"
    overwrite.save(existing, ContentFile(BODY))
    overwrite.save(taken, ContentFile(BODY))

    def put(key: str, **more: Any) -> None:
        data = gzip.compress(BODY, mtime=0) if zipped else BODY
        client.put_object(Bucket=BUCKET, Key=key, Body=data, **extra, **more)

    def head(key: str) -> dict[str, Any]:
        answer: dict[str, Any] = client.head_object(Bucket=BUCKET, Key=key)
        return answer

    def save_taken(i: int) -> None:
        taken_names.append(create_only.save(taken, ContentFile(BODY)))

    def boto3_taken(i: int) -> None:
        head(taken)
        put(f"{prefix}taken-{i}-{random.getrandbits(32):08x}.{ext}", IfNoneMatch="*")

    return {
        "save() overwrite": (
            lambda i: overwrite.save(f"{prefix}over.{ext}", ContentFile(BODY)),
            lambda i: put(f"{prefix}over-b3.{ext}"),
            "put_object",
        ),
        "save() create-only, free name": (
            lambda i: create_only.save(f"{prefix}new/{i}.{ext}", ContentFile(BODY)),
            lambda i: put(f"{prefix}new-b3/{i}.{ext}", IfNoneMatch="*"),
            'put_object(IfNoneMatch="*")',
        ),
        "save() create-only, taken name": (
            save_taken,
            boto3_taken,
            "head_object + create-only put_object",
        ),
        "size()": (
            lambda i: overwrite.size(existing),
            lambda i: head(existing)["ContentLength"],
            "head_object",
        ),
        "get_modified_time()": (
            lambda i: overwrite.get_modified_time(existing),
            lambda i: head(existing)["LastModified"],
            "head_object",
        ),
        "exists()": (
            lambda i: overwrite.exists(existing),
            lambda i: head(existing),
            "head_object",
        ),
    }


def timed_scenarios(
    server: Any, args: argparse.Namespace, counter: Requests, notes: list[str]
) -> dict[str, Any]:
    from storages.backends.s3 import S3Storage

    client = counter.attach(fresh_client(server.endpoint_url, server))
    acl = "public-read"
    try:
        client.put_object(Bucket=BUCKET, Key="bench/acl-check", Body=b"", ACL=acl)
    except client.exceptions.ClientError as err:
        notes.append(f"SeaweedFS refused ACL={acl!r} ({err}): the rich configuration has no ACL")
        acl = ""
    else:
        notes.append(
            f"SeaweedFS accepted ACL={acl!r} on PutObject, so the rich configuration sends it "
            "(SeaweedFS does not honor per-object ACLs for anonymous reads)"
        )
    rich_options: dict[str, Any] = {
        "object_parameters": {"CacheControl": "max-age=60"},
        "gzip": True,
        **({"default_acl": acl} if acl else {}),
    }
    rich_put: dict[str, Any] = {
        "CacheControl": "max-age=60",
        "ContentType": "text/css",
        "ContentEncoding": "gzip",
        **({"ACL": acl} if acl else {}),
    }

    def storage(**options: Any) -> Any:
        made = S3Storage(**server.storage_options(BUCKET, **options))
        counter.attach(made.connection.meta.client)
        return made

    results: dict[str, Any] = {}
    taken_names: dict[str, list[str]] = {}
    for config, options, ext in (("plain", {}, "txt"), ("rich", rich_options, "css")):
        overwrite = storage(file_overwrite=True, **options)
        create_only = storage(file_overwrite=False, **options)
        extra = rich_put if config == "rich" else {"ContentType": "text/plain"}
        taken_names[config] = []
        prefix = f"bench/{config}/"
        pairs = config_pairs(
            client, overwrite, create_only, prefix, ext, extra, taken_names[config]
        )
        for label, (ours, theirs, baseline) in pairs.items():
            row = compare(ours, theirs, args.rounds, args.ops, counter)
            results[f"{config}: {label}"] = {**row, "baseline": baseline}
            print(f"  {config}: {label} done", file=sys.stderr)
    for config, names in taken_names.items():
        shapes = Counter(re.sub(r"_[A-Za-z0-9]{7}\.", "_XXXXXXX.", name) for name in names)
        results[f"{config}: save() create-only, taken name"]["names"] = {
            "examples": names[-2:],
            "patterns": dict(shapes),
        }

    # -- a page: url() and size() of distinct names --------------------------------
    page = storage()
    names = [f"bench/page/{i:03}/photo-{i}.jpg" for i in range(PAGE_NAMES)]
    for name in names:
        client.put_object(Bucket=BUCKET, Key=name, Body=BODY)

    def render(i: int) -> None:
        for name in names:
            page.url(name)
            page.size(name)

    def boto3_render(i: int) -> None:
        for name in names:
            client.generate_presigned_url(
                "get_object", Params={"Bucket": BUCKET, "Key": name}, ExpiresIn=3600
            )
            client.head_object(Bucket=BUCKET, Key=name)["ContentLength"]

    # A page is 400 calls: fewer rounds keep the whole run short.
    row = compare(render, boto3_render, min(args.rounds, 3), 1, counter, warm=1)
    results[f"page (op = {PAGE_NAMES} url() + {PAGE_NAMES} size())"] = {
        **row,
        "baseline": "generate_presigned_url + head_object",
        "unit": "page",
    }
    return results


def fresh_client(endpoint_url: str, server: Any) -> Any:
    """Return a boto3 client with the settings a default S3Storage's connection has."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=server.access_key, aws_secret_access_key=server.secret_key
    )
    return session.client("s3", region_name=REGION, endpoint_url=endpoint_url)


# -- our own CPU per call ---------------------------------------------------------------


def own_overhead(server: Any, timed: dict[str, Any], calls: int) -> dict[str, Any]:
    """Return the CPU our code spends per call around botocore's API call.

    Each storage's client answers ``put_object`` and ``head_object`` at once
    (no request), so what remains is ours: naming, the write request,
    parameters, gzip, error mapping. It is set beside the CPU of the real
    boto3 call measured above, whose own work ours does not repeat.
    """
    import datetime as dt

    from django.core.files.base import ContentFile

    from storages.backends.s3 import S3Storage

    head = {"ContentLength": len(BODY), "LastModified": dt.datetime.now(dt.UTC)}
    rich = {"object_parameters": {"CacheControl": "max-age=60"}, "gzip": True}
    rows: dict[str, Any] = {}
    for config, options, ext in (("plain", {}, "txt"), ("rich", rich, "css")):
        storages = {}
        for overwrite in (True, False):
            made = S3Storage(**server.storage_options(BUCKET, file_overwrite=overwrite, **options))
            client = made.connection.meta.client
            client.put_object = lambda **params: {}
            client.head_object = lambda **params: head
            storages[overwrite] = made
        over, create, key = storages[True], storages[False], f"bench/overhead/photo.{ext}"
        ops: dict[str, Callable[[], Any]] = {
            "save() overwrite": lambda s=over, n=key: s.save(n, ContentFile(BODY)),
            "save() create-only, free name": lambda s=create, n=key: s.save(n, ContentFile(BODY)),
            "size()": lambda s=over, n=key: s.size(n),
            "get_modified_time()": lambda s=over, n=key: s.get_modified_time(n),
            "exists()": lambda s=over, n=key: s.exists(n),
        }
        for label, op in ops.items():
            op()
            gc.collect()
            best = float("inf")
            for _ in range(5):
                began = time.process_time()
                for _ in range(calls):
                    op()
                best = min(best, (time.process_time() - began) / calls)
            boto3_cpu_ms = timed[f"{config}: {label}"]["boto3"]["cpu_ms_per_op"]
            rows[f"{config}: {label}"] = {
                "ours_us": best * 1e6,
                "boto3_call_cpu_us": boto3_cpu_ms * 1000,
                "share": best * 1000 / boto3_cpu_ms,
            }
    return rows


# -- cold start -----------------------------------------------------------------------

# Each child prints its timings. "ours + connection" also builds what its first
# request needs (this thread's boto3 resource; no request is sent): boto3's
# client is ready for requests after its first URL, ours after that.
OURS_COLD = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {src!r})
import django
from django.conf import settings
settings.configure(USE_TZ=True)
t1 = time.perf_counter()
from storages.backends.s3 import S3Storage
t2 = time.perf_counter()
storage = S3Storage(bucket_name={bucket!r}, endpoint_url={endpoint!r}, region_name={region!r},
                    access_key="AKIDEXAMPLE", secret_key="example-secret-key")
t3 = time.perf_counter()
storage.url("products/photo.jpg")
t4 = time.perf_counter()
if {connection}:
    storage.connection
t5 = time.perf_counter()
print(json.dumps({{"django": t1 - t0, "import": t2 - t1, "configure": t3 - t2, "url": t4 - t3,
                  "connection": t5 - t4, "t0": t0, "t_end": time.perf_counter()}}))
"""

BOTO3_COLD = """
import json, time
t0 = time.perf_counter()
import boto3
t1 = time.perf_counter()
client = boto3.client("s3", endpoint_url={endpoint!r}, region_name={region!r},
                      aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example-secret-key")
t2 = time.perf_counter()
client.generate_presigned_url("get_object", Params={{"Bucket": {bucket!r},
                              "Key": "products/photo.jpg"}}, ExpiresIn=3600)
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "configure": t2 - t1, "url": t3 - t2, "t0": t0,
                  "t_end": time.perf_counter()}}))
"""


def cold_start(endpoint: str, samples: int, importtime: bool) -> dict[str, Any]:
    """Run each side in ``samples`` fresh interpreters, alternating; keep the fastest of each.

    "startup" is from spawning to the child's first line (interpreter and
    site), "exit" from its last line to its end. Installed packages come with
    compiled bytecode, a checkout may not (and PYTHONDONTWRITEBYTECODE may
    forbid writing it): the children keep theirs in a temporary
    PYTHONPYCACHEPREFIX, filled by one untimed run per side.
    """
    values = {"src": SRC, "bucket": BUCKET, "endpoint": endpoint, "region": REGION}
    codes = {
        "ours": OURS_COLD.format(**values, connection=False),
        "boto3": BOTO3_COLD.format(**values),
        "ours + connection": OURS_COLD.format(**values, connection=True),
    }
    runs: dict[str, list[dict[str, float]]] = {side: [] for side in codes}
    with tempfile.TemporaryDirectory(prefix="bench-small-pyc-") as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache

        def child(side: str, *flags: str) -> subprocess.CompletedProcess[str]:
            command = [sys.executable, *flags, "-c", codes[side]]
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            if done.returncode:
                raise SystemExit(f"cold start of {side} failed:\n{done.stderr}")
            return done

        for side in codes:
            child(side)  # compiles the bytecode
        for sample in range(samples):
            for side in list(codes) if sample % 2 == 0 else list(codes)[::-1]:
                began = time.perf_counter()
                done = child(side)
                ended = time.perf_counter()
                run = json.loads(done.stdout.splitlines()[-1])
                # perf_counter is the system's monotonic clock: comparable across processes.
                run["startup"] = run.pop("t0") - began
                run["exit"] = ended - run.pop("t_end")
                runs[side].append({**run, "process": ended - began})
        imports: dict[str, float] = {}
        for _ in range(3 if importtime else 0):  # the fastest of three, module by module
            for name, ms in importtime_children(child("ours", "-X", "importtime").stderr):
                imports[name] = min(ms, imports.get(name, ms))
    result: dict[str, Any] = {}
    for side, side_runs in runs.items():
        best = min(side_runs, key=lambda run: run["process"])
        result[side] = {
            "process_s": best["process"],
            "without_django_s": min(
                run["import"] + run["configure"] + run["url"] + run.get("connection", 0)
                for run in side_runs
            ),
            "parts_of_best_s": {k: round(v, 4) for k, v in best.items() if k != "process"},
        }
    if importtime:
        result["ours_imports"] = [
            {"module": name, "cumulative_ms": ms}
            for name, ms in sorted(imports.items(), key=lambda item: -item[1])
        ]
    return result


def importtime_children(stderr: str) -> list[tuple[str, float]]:
    """Return ``storages.backends.s3`` and the ten slowest modules it imported directly (ms)."""
    rows = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((match[4], len(match[3]) // 2, int(match[2]) / 1000))
    names = [row[0] for row in rows]
    if "storages.backends.s3" not in names:
        return []
    end = names.index("storages.backends.s3")
    depth = rows[end][1]
    start = max((i for i in range(end) if rows[i][1] <= depth), default=-1) + 1
    children = [row for row in rows[start:end] if row[1] == depth + 1]
    slowest = sorted(children, key=lambda row: -row[2])[:10]
    return [("storages.backends.s3 (all)", rows[end][2])] + [(row[0], row[2]) for row in slowest]


# -- small reads of a big image --------------------------------------------------------


def make_png(width: int = 1024, height: int = 1280, seed: int = 12) -> bytes:
    """Return a valid RGBA PNG of noise, stored uncompressed: about 5 MB, the same every run."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(width * 4) for _ in range(height))
    data = zlib.compress(rows, 0)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idats = b"".join(chunk(b"IDAT", data[i : i + 64 * KiB]) for i in range(0, len(data), 64 * KiB))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idats + chunk(b"IEND", b"")


def small_reads(server: Any, rounds: int, notes: list[str]) -> dict[str, Any]:
    from storages.backends.s3 import S3Storage

    try:
        import PIL  # noqa: F401
        from django.core.files.images import get_image_dimensions
    except ImportError:
        get_image_dimensions = None
        notes.append(
            "Pillow is not installed (nor in the test extras): get_image_dimensions() cannot "
            "run; its reads are replayed (tell, seek(0), read(1024), seek back), which is "
            "all Pillow's parser needs of a PNG"
        )
    png = make_png()
    server.client().put_object(Bucket=BUCKET, Key=IMAGE_KEY, Body=png, ContentType="image/png")
    proxy = CountingProxy(int(server.endpoint_url.rsplit(":", 1)[1]))
    try:
        options = server.storage_options(BUCKET, endpoint_url=proxy.endpoint_url)
        storage = S3Storage(**options)
        floor = S3Storage(**options, file_read_ahead_size=0)
        client = fresh_client(proxy.endpoint_url, server)

        def dimensions(s: Any = storage) -> None:
            with s.open(IMAGE_KEY) as f:
                if get_image_dimensions is not None:
                    get_image_dimensions(f)
                    return
                position = f.tell()
                f.seek(0)
                f.read(1024)
                f.seek(position)

        def far_read(s: Any = storage) -> None:
            with s.open(IMAGE_KEY) as f:
                f.seek(SEEK_TO)
                f.read(100)

        def boto3_ranged(start: int, length: int) -> Callable[[], Any]:
            def read() -> None:
                client.head_object(Bucket=BUCKET, Key=IMAGE_KEY)
                stop = start + length - 1
                answer = client.get_object(
                    Bucket=BUCKET, Key=IMAGE_KEY, Range=f"bytes={start}-{stop}"
                )
                answer["Body"].read()

            return read

        scenarios = {
            "open() + get_image_dimensions' reads": dimensions,
            "  same, file_read_ahead_size=0 (1 KiB)": lambda: dimensions(floor),
            "  boto3 head_object + 1 KiB range": boto3_ranged(0, 1024),
            f"open().seek({SEEK_TO:_}).read(100)": far_read,
            "  same, file_read_ahead_size=0 (100 B)": lambda: far_read(floor),
            "  boto3 head_object + 100 B range": boto3_ranged(SEEK_TO, 100),
        }
        runs: dict[str, list[dict[str, float]]] = {label: [] for label in scenarios}
        for fn in scenarios.values():  # warm-up: a pooled connection for each client
            fn()
        for _ in range(rounds):
            for label, fn in scenarios.items():
                before = proxy.settle()
                began = time.perf_counter()
                fn()
                wall = time.perf_counter() - began
                after = proxy.settle()
                requests, connections, up, down = (
                    b - a for a, b in zip(before, after, strict=True)
                )
                runs[label].append(
                    {
                        "requests": requests,
                        "connections": connections,
                        "bytes_up": up,
                        "bytes_down": down,
                        "wall_ms": wall * 1000,
                    }
                )
    finally:
        proxy.close()
    return {
        "object_bytes": len(png),
        "results": {
            label: {
                "requests": max(run["requests"] for run in label_runs),
                "new_connections": max(run["connections"] for run in label_runs),
                "bytes_down_median": statistics.median(run["bytes_down"] for run in label_runs),
                "bytes_down_max": max(run["bytes_down"] for run in label_runs),
                "bytes_up_median": statistics.median(run["bytes_up"] for run in label_runs),
                "wall_ms_best": min(run["wall_ms"] for run in label_runs),
            }
            for label, label_runs in runs.items()
        },
    }


# -- report --------------------------------------------------------------------------


def report(summary: dict[str, Any], args: argparse.Namespace) -> None:
    load = summary["load_average"]
    print(
        f"\nsmall objects vs boto3 on SeaweedFS, {args.ops} ops per side per round, "
        f"{args.rounds} rounds; load average {load['start'][0]:.2f} at start, "
        f"{load['end'][0]:.2f} at end, {os.cpu_count()} CPUs\n"
    )
    header = (
        f"{'scenario':<46} {'ours op/s':>9} {'boto3 op/s':>10} {'ratio':>6} "
        f"{'req':>5} {'b3 req':>6} {'CPU ms':>7} {'b3 CPU':>7}  baseline"
    )
    print(header)
    print("-" * (len(header) + 26))
    for label, row in summary["timed"].items():
        ours, theirs = row["ours"], row["boto3"]
        digits = 2 if ours["ops_per_s"] < 10 else 1
        print(
            f"{label:<46} {ours['ops_per_s']:>9.{digits}f} {theirs['ops_per_s']:>10.{digits}f} "
            f"{ours['ops_per_s'] / theirs['ops_per_s']:>5.2f}x {ours['requests_per_op']:>5.1f} "
            f"{theirs['requests_per_op']:>6.1f} {ours['cpu_ms_per_op']:>7.2f} "
            f"{theirs['cpu_ms_per_op']:>7.2f}  {row['baseline']}"
        )
        if "names" in row:
            print(f"{'':<46} names: {', '.join(row['names']['patterns'])}")
    print(
        "\nour own CPU per call, the client's API call answering at once (no request), "
        "beside the CPU of the real boto3 call above\n"
    )
    print(f"{'scenario':<46} {'ours µs':>8} {'boto3 call µs':>13} {'share':>6}")
    for label, row in summary["own_overhead"].items():
        print(
            f"{label:<46} {row['ours_us']:>8.1f} {row['boto3_call_cpu_us']:>13.0f} "
            f"{row['share']:>6.1%}"
        )
    cold = summary["cold_start"]
    print(f"\ncold start, fresh interpreter, best of {args.cold} (wall s)\n")
    print(f"{'side':<18} {'process':>8} {'w/o Django':>10}  parts of the best run")
    for side in ("ours", "boto3", "ours + connection"):
        parts = ", ".join(f"{k} {v:.3f}" for k, v in cold[side]["parts_of_best_s"].items())
        row = cold[side]
        print(f"{side:<18} {row['process_s']:>8.3f} {row['without_django_s']:>10.3f}  {parts}")
    for row in cold.get("ours_imports", []):
        print(f"  import {row['module']:<44} {row['cumulative_ms']:>8.1f} ms cumulative")
    reads = summary["small_reads"]
    print(f"\nsmall reads of a {reads['object_bytes']:,} byte PNG through a counting proxy\n")
    print(
        f"{'scenario':<46} {'req':>4} {'new conn':>8} {'KiB down':>9} {'max KiB':>8} {'best ms':>8}"
    )
    for label, row in reads["results"].items():
        print(
            f"{label:<46} {row['requests']:>4} {row['new_connections']:>8} "
            f"{row['bytes_down_median'] / KiB:>9.1f} {row['bytes_down_max'] / KiB:>8.1f} "
            f"{row['wall_ms_best']:>8.1f}"
        )
    print()
    for note in summary["notes"]:
        print(f"note: {note}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per scenario (default 5)")
    parser.add_argument("--ops", type=int, default=20, help="operations per side per round")
    parser.add_argument("--cold", type=int, default=5, help="fresh interpreters per side")
    parser.add_argument("--importtime", action="store_true", help="list our slowest imports")
    parser.add_argument(
        "--overhead-calls", type=int, default=2000, help="calls per round of the overhead table"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the JSON results to PATH")
    args = parser.parse_args()
    start_load = os.getloadavg()

    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="benchmark-only")
    django.setup()
    from storages.testing.seaweedfs import SeaweedFS

    notes: list[str] = []
    counter = Requests()
    with SeaweedFS() as server:
        server.create_bucket(BUCKET)
        warm = server.client()
        for _ in range(50):  # a new bucket's first write can fail while SeaweedFS grows a volume
            try:
                warm.put_object(Bucket=BUCKET, Key="warm-up", Body=b"")
                break
            except warm.exceptions.ClientError:
                time.sleep(0.2)
        timed = timed_scenarios(server, args, counter, notes)
        overhead = own_overhead(server, timed, args.overhead_calls)
        print("  own overhead done", file=sys.stderr)
        cold = cold_start(server.endpoint_url, args.cold, args.importtime)
        print("  cold start done", file=sys.stderr)
        reads = small_reads(server, args.rounds, notes)
    summary = {
        "rounds": args.rounds,
        "ops": args.ops,
        "load_average": {"start": start_load, "end": os.getloadavg()},
        "cpus": os.cpu_count(),
        "timed": timed,
        "own_overhead": overhead,
        "cold_start": cold,
        "small_reads": reads,
        "notes": notes,
    }
    report(summary, args)
    text = json.dumps(summary, indent=2, default=str)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
