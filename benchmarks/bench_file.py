"""Benchmark S3File against raw boto3 on a local SeaweedFS server.

Run:  .venv/bin/python benchmarks/bench_file.py [--size-mib 256] [--rounds 3]

Starts its own SeaweedFS (storages.testing.seaweedfs), uploads one object of
--size-mib random bytes, then runs every scenario --rounds times, each in a
fresh child process so that its peak RSS growth is its own. Requests and
bytes are counted with botocore event hooks on the client that does the
work; "MiB in" sums the Content-Length of the answers (for a range that is
closed early, what the server was asked to send). Throughput is the best of
the rounds; RSS growth is the worst. Ratios compare s3storages with boto3's
download_fileobj / upload_fileobj measured in the same run, and the closing
lines check the targets of issue 3. Prints a table, then the results as JSON.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

MiB = 1024 * 1024
KEY = "bench/object.bin"
CHUNK = 64 * 1024  # Django's File.DEFAULT_CHUNK_SIZE
WRITE = MiB  # the write size of the "wb" scenario

SCENARIOS = {
    "read_1k": "s3storages open().read(1024)",
    "boto3_range_1k": "boto3 head_object + get_object(1 KiB range)",
    "read_all": "s3storages open().read()",
    "chunks": "s3storages chunks() (64 KiB)",
    "boto3_download": "boto3 download_fileobj(BytesIO)",
    "write": 'S3File open("wb"), 1 MiB writes',
    "save": "s3storages save(stream)",
    "boto3_upload_stream": "boto3 upload_fileobj(stream)",
    "boto3_upload_bytesio": "boto3 upload_fileobj(BytesIO)",
}


# -- child side: one scenario, measured ------------------------------------------


class Counter:
    """Counts requests and bytes through a botocore client's events."""

    def __init__(self, client: Any) -> None:
        self.requests = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self._lock = threading.Lock()
        client.meta.events.register("before-send.s3.*", self._sent)
        client.meta.events.register("after-call.s3.*", self._answered)

    def _sent(self, request: Any, **kwargs: Any) -> None:
        with self._lock:
            self.requests += 1
            self.bytes_out += int(request.headers.get("Content-Length", 0) or 0)

    def _answered(self, http_response: Any, model: Any, **kwargs: Any) -> None:
        if model.name == "HeadObject":
            return  # its Content-Length is the object's, and no body follows
        with self._lock:
            self.bytes_in += int(http_response.headers.get("content-length", 0) or 0)


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> bool:
    # Linux >= 4.0: writing 5 resets VmHWM (the peak RSS) to the current RSS.
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


class Stream(io.RawIOBase):
    """A readable, non-seekable stream of ``total`` bytes made of one repeated block."""

    def __init__(self, block: bytes, total: int) -> None:
        super().__init__()
        self._block = block
        self._left = total

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = min(len(view), self._left)
        filled = 0
        while filled < count:  # a full read: a short one would look like the end
            piece = min(count - filled, len(self._block))
            view[filled : filled + piece] = self._block[:piece]
            filled += piece
        self._left -= count
        return count


def run_child(scenario: str, size: int) -> dict[str, Any]:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True)
    django.setup()
    from boto3.s3.transfer import TransferConfig
    from django.core.files.base import File

    from storages.backends.s3 import S3Storage

    storage = S3Storage(
        bucket_name=os.environ["BENCH_BUCKET"],
        endpoint_url=os.environ["BENCH_ENDPOINT"],
        access_key=os.environ["BENCH_ACCESS_KEY"],
        secret_key=os.environ["BENCH_SECRET_KEY"],
        region_name="us-east-1",
        **json.loads(os.environ.get("BENCH_OPTIONS", "{}")),
    )
    client = storage.connection.meta.client
    client.head_object(Bucket=storage.bucket_name, Key=KEY)  # warm: imports, connection
    bucket = storage.bucket_name
    block = os.urandom(WRITE)
    source = io.BytesIO(block * (size // WRITE)) if scenario == "boto3_upload_bytesio" else None
    config = TransferConfig()
    keep: list[Any] = []

    def read_1k() -> None:
        with storage.open(KEY, "rb") as f:
            keep.append(f.read(1024))

    def boto3_range_1k() -> None:
        client.head_object(Bucket=bucket, Key=KEY)
        keep.append(client.get_object(Bucket=bucket, Key=KEY, Range="bytes=0-1023")["Body"].read())

    def read_all() -> None:
        with storage.open(KEY, "rb") as f:
            keep.append(f.read())

    def chunks() -> None:
        with storage.open(KEY, "rb") as f:
            for _ in f.chunks(CHUNK):
                pass

    def boto3_download() -> None:
        out = io.BytesIO()
        client.download_fileobj(bucket, KEY, out, Config=config)
        keep.append(out.getvalue())

    def write() -> None:
        with storage.open("bench/written.bin", "wb") as f:
            for _ in range(size // WRITE):
                f.write(block)

    def save() -> None:
        storage.save("bench/saved.bin", File(Stream(block, size), name="saved.bin"))

    def boto3_upload_stream() -> None:
        client.upload_fileobj(Stream(block, size), bucket, "bench/up.bin", Config=config)

    def boto3_upload_bytesio() -> None:
        assert source is not None
        source.seek(0)
        client.upload_fileobj(source, bucket, "bench/up.bin", Config=config)

    operations: dict[str, Callable[[], None]] = {
        "read_1k": read_1k,
        "boto3_range_1k": boto3_range_1k,
        "read_all": read_all,
        "chunks": chunks,
        "boto3_download": boto3_download,
        "write": write,
        "save": save,
        "boto3_upload_stream": boto3_upload_stream,
        "boto3_upload_bytesio": boto3_upload_bytesio,
    }
    operation = operations[scenario]
    counter = Counter(client)
    gc.collect()
    base = _status_kib("VmRSS")
    exact = _reset_peak_rss()
    start = time.perf_counter()
    operation()
    seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM")
    if scenario in ("read_all", "boto3_download"):
        assert len(keep[0]) == size, "short read"
    return {
        "seconds": seconds,
        "requests": counter.requests,
        "bytes_in": counter.bytes_in,
        "bytes_out": counter.bytes_out,
        "rss_growth": max(peak - base, 0) * 1024,
        "rss_exact": exact,
    }


# -- parent side: server, rounds, table --------------------------------------------


def measure(scenario: str, size: int, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", scenario, "--size-mib", str(size // MiB)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{scenario} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def summarize(runs: list[dict[str, Any]], moves: int) -> dict[str, Any]:
    best = min(run["seconds"] for run in runs)
    return {
        "seconds": round(best, 4),
        "mib_per_s": round(moves / MiB / best, 1) if moves else None,
        "requests": max(run["requests"] for run in runs),
        "mib_in": round(max(run["bytes_in"] for run in runs) / MiB, 2),
        "mib_out": round(max(run["bytes_out"] for run in runs) / MiB, 2),
        "rss_growth_mib": round(max(run["rss_growth"] for run in runs) / MiB, 1),
        "rss_exact": all(run["rss_exact"] for run in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=256, help="object size (default 256)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per scenario (default 3)")
    parser.add_argument(
        "--options", default="{}", help="S3Storage options as JSON: '{\"file_parts_in_memory\": 3}'"
    )
    parser.add_argument("--only", help="comma-separated scenarios to run (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = args.size_mib * MiB
    if args.child:
        print(json.dumps(run_child(args.child, size)))
        return

    from botocore.config import Config

    from storages.testing.seaweedfs import SeaweedFS

    with SeaweedFS() as server:
        server.create_bucket("bench-file")
        # A freshly started server can refuse the odd request: let botocore retry.
        retrying = Config(retries={"max_attempts": 8, "mode": "standard"})
        client = server.client(config=retrying)
        client.upload_fileobj(Stream(os.urandom(MiB), size), "bench-file", KEY)
        env = dict(os.environ)
        env.update(
            BENCH_BUCKET="bench-file",
            BENCH_ENDPOINT=server.endpoint_url,
            BENCH_ACCESS_KEY=server.access_key,
            BENCH_SECRET_KEY=server.secret_key,
            BENCH_OPTIONS=args.options,
        )
        names = args.only.split(",") if args.only else list(SCENARIOS)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for round_number in range(args.rounds):
            for name in names:  # interleaved, so load on the machine hits all alike
                runs[name].append(measure(name, size, env))
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
    moved = {"read_1k": 0, "boto3_range_1k": 0}
    results = {name: summarize(runs[name], moved.get(name, size)) for name in names}
    if args.only:
        print(json.dumps(results, indent=2))
        return
    report(results, size, args.rounds)


def report(results: dict[str, dict[str, Any]], size: int, rounds: int) -> None:
    def rate(name: str) -> float:
        value: float = results[name]["mib_per_s"]
        return value

    upload = max(rate("boto3_upload_stream"), rate("boto3_upload_bytesio"))
    ratios = {
        "read_all_vs_download_fileobj": round(rate("read_all") / rate("boto3_download"), 2),
        "chunks_vs_download_fileobj": round(rate("chunks") / rate("boto3_download"), 2),
        "write_vs_upload_fileobj": round(rate("write") / upload, 2),
        "save_vs_upload_fileobj": round(rate("save") / upload, 2),
    }
    part = 5 * MiB
    read_1k = results["read_1k"]
    targets = {
        "read_1k moves <= 8 MiB": read_1k["mib_in"] <= 8,
        "read_1k makes <= 2 requests": read_1k["requests"] <= 2,
        "read_1k RSS growth < 16 MiB": read_1k["rss_growth_mib"] < 16,
        "chunks RSS growth < 64 MiB": results["chunks"]["rss_growth_mib"] < 64,
        "read() >= 0.9x download_fileobj": ratios["read_all_vs_download_fileobj"] >= 0.9,
        'open("wb") >= 0.9x upload_fileobj': ratios["write_vs_upload_fileobj"] >= 0.9,
        'open("wb") RSS growth < 3 parts': results["write"]["rss_growth_mib"] < 3 * part / MiB,
    }
    header = f"{'scenario':<46} {'MiB/s':>7} {'wall s':>8} {'req':>5} {'MiB in':>8} "
    header += f"{'MiB out':>8} {'RSS +MiB':>9}"
    print(f"\nS3File vs boto3 on SeaweedFS: {size // MiB} MiB object, best of {rounds} rounds\n")
    print(header)
    print("-" * len(header))
    for name, label in SCENARIOS.items():
        row = results[name]
        speed = f"{row['mib_per_s']:.1f}" if row["mib_per_s"] else "-"
        print(
            f"{label:<46} {speed:>7} {row['seconds']:>8.3f} {row['requests']:>5} "
            f"{row['mib_in']:>8.2f} {row['mib_out']:>8.2f} {row['rss_growth_mib']:>9.1f}"
        )
    print()
    for label, value in ratios.items():
        print(f"{label:<46} {value:>7.2f}x")
    print()
    for label, ok in targets.items():
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    print()
    print(json.dumps({"size_mib": size // MiB, "rounds": rounds, "results": results,
                      "ratios": ratios, "targets": targets}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
