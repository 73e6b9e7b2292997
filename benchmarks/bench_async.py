"""Benchmark the async API against sync_to_async and raw boto3, with and without network delay.

Run:  .venv/bin/python benchmarks/bench_async.py [--ops 200] [--rounds 3]
      [--delay-ms 20] [--json PATH]

Starts its own SeaweedFS, and a loopback proxy in front of it
(``delayproxy.py``, in its own process) that adds --delay-ms to the first
byte of every request: about S3's time to first byte within a region. Then,
reaching the store once through the proxy ("delayed") and once straight
("direct"), it runs --ops concurrent calls (``asyncio.gather``) of:

* ``aexists(name)`` against ``sync_to_async(storage.exists)`` (asgiref's
  default ``thread_sensitive=True``: what an async Django view does today)
  and against boto3's ``head_object`` in ``asyncio.to_thread`` (the loop's
  default executor);
* ``asave(name, 1 KiB)`` against ``sync_to_async(storage.save)`` and boto3's
  ``put_object`` in ``asyncio.to_thread``.

Every save writes a new name. While each batch runs, a ticker task sleeps
1 ms at a time on the same loop and records how late it wakes: the loop's
lag. The sides alternate within each round after one warm-up round;
throughput is the best round, lag the worst. Prints the load average, a
table, the ratios (our throughput over the other side's) and the issue's
targets for the delayed store, then one JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import django
from django.conf import settings

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

KiB = 1024
BODY = b"x" * KiB
TICK = 0.001
#: The issue's targets, for the delayed store.
TARGET_SPEEDUP = 4.0
TARGET_LAG = 0.020

Batch = Callable[[int], list[Awaitable[Any]]]


class DelayProxy:
    """``delayproxy.py`` in a child process, in front of ``target_port``."""

    def __init__(self, target_port: int, delay_ms: float) -> None:
        self._process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "delayproxy.py"),
                "--target-port",
                str(target_port),
                "--delay-ms",
                str(delay_ms),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.port = int(self._process.stdout.readline())

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


async def measured(batch: Callable[[], list[Awaitable[Any]]]) -> dict[str, float]:
    """Run the awaitables of ``batch()`` at once; return the wall time and the loop's lag."""
    lags: list[float] = []
    done = asyncio.Event()
    pauses: list[float] = []
    started_gc: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        # The collector stops every thread: its pauses show up as lag on any side.
        if phase == "start":
            started_gc.append(time.perf_counter())
        elif started_gc:
            pauses.append(time.perf_counter() - started_gc.pop())

    gc.callbacks.append(on_gc)

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append(time.perf_counter() - before - TICK)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(TICK * 5)
    started = time.perf_counter()
    await asyncio.gather(*batch())
    wall = time.perf_counter() - started
    done.set()
    await ticking
    gc.callbacks.remove(on_gc)
    lags.sort()
    return {
        "gc_pause_max": max(pauses, default=0.0),
        "wall": wall,
        "lag_max": lags[-1],
        "lag_p99": lags[int(len(lags) * 0.99) - 1] if len(lags) > 1 else lags[-1],
        "lag_median": statistics.median(lags),
    }


def sides(storage: Any, client: Any, bucket: str, ops: int) -> dict[str, Batch]:
    """Return each side's batch builder: round number -> the awaitables of one batch."""
    from asgiref.sync import sync_to_async
    from django.core.files.base import ContentFile

    names = [f"exists/{index}.txt" for index in range(ops)]

    def saved(kind: str, round_number: int, index: int) -> str:
        return f"saves/{kind}/{round_number}/{index}.bin"

    return {
        "exists:ours": lambda r: [storage.aexists(name) for name in names],
        "exists:sync_to_async": lambda r: [sync_to_async(storage.exists)(n) for n in names],
        "exists:boto3": lambda r: [
            asyncio.to_thread(_head, client, bucket, name) for name in names
        ],
        "save:ours": lambda r: [
            storage.asave(saved("ours", r, i), ContentFile(BODY)) for i in range(ops)
        ],
        "save:sync_to_async": lambda r: [
            sync_to_async(storage.save)(saved("s2a", r, i), ContentFile(BODY)) for i in range(ops)
        ],
        "save:boto3": lambda r: [
            asyncio.to_thread(client.put_object, Bucket=bucket, Key=saved("boto3", r, i), Body=BODY)
            for i in range(ops)
        ],
    }


def _head(client: Any, bucket: str, key: str) -> bool:
    try:
        client.head_object(Bucket=bucket, Key=key)
    except client.exceptions.ClientError:
        return False
    return True


def run_network(
    server: Any, bucket: str, endpoint: str, ops: int, rounds: int, workers: int
) -> dict[str, dict[str, Any]]:
    """Measure every side on ``endpoint``; return each side's rounds and summary."""
    import boto3

    from storages.backends.s3 import S3Storage

    options = server.storage_options(bucket, endpoint_url=endpoint, async_workers=workers)
    storage = S3Storage(**options)
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=options.get("region_name", "us-east-1"),
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
    )
    batches = sides(storage, client, bucket, ops)
    results: dict[str, list[dict[str, float]]] = {side: [] for side in batches}
    for round_number in range(rounds + 1):  # round 0 warms up: clients, threads, pools
        order = list(batches) if round_number % 2 == 0 else list(reversed(batches))
        for side in order:
            batch = batches[side]
            outcome = asyncio.run(measured(lambda: batch(round_number)))  # noqa: B023
            if round_number:
                results[side].append(outcome)
    summary: dict[str, dict[str, Any]] = {}
    for side, outcomes in results.items():
        best = min(outcome["wall"] for outcome in outcomes)
        summary[side] = {
            "ops_per_s": ops / best,
            "wall_best": best,
            "lag_max": max(outcome["lag_max"] for outcome in outcomes),
            "lag_p99": max(outcome["lag_p99"] for outcome in outcomes),
            "gc_pause_max": max(outcome["gc_pause_max"] for outcome in outcomes),
            "rounds": outcomes,
        }
    return summary


def ratios(summary: dict[str, dict[str, Any]]) -> dict[str, float]:
    out = {}
    for operation in ("exists", "save"):
        ours = summary[f"{operation}:ours"]["ops_per_s"]
        for other in ("sync_to_async", "boto3"):
            out[f"{operation}_vs_{other}"] = ours / summary[f"{operation}:{other}"]["ops_per_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=200, help="concurrent calls per batch")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per side")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="added to each request")
    parser.add_argument("--workers", type=int, default=8, help="the storage's async_workers")
    parser.add_argument("--json", help="also write the JSON document to this file")
    args = parser.parse_args()

    settings.configure(USE_TZ=True, SECRET_KEY="benchmark-only", INSTALLED_APPS=["storages"])
    django.setup()
    from storages.testing.seaweedfs import SeaweedFS

    load_before = os.getloadavg()
    networks: dict[str, dict[str, dict[str, Any]]] = {}
    with SeaweedFS() as server:
        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        server.create_bucket(bucket)
        seeding = server.client()
        for index in range(0, args.ops, 2):  # half the names exist
            seeding.put_object(Bucket=bucket, Key=f"exists/{index}.txt", Body=b"x")
        proxy = DelayProxy(server.s3_port, args.delay_ms)
        try:
            delayed = f"http://127.0.0.1:{proxy.port}"
            networks["delayed"] = run_network(
                server, bucket, delayed, args.ops, args.rounds, args.workers
            )
        finally:
            proxy.close()
        direct = f"http://127.0.0.1:{server.s3_port}"
        networks["direct"] = run_network(
            server, bucket, direct, args.ops, args.rounds, args.workers
        )
    load_after = os.getloadavg()

    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(
        f"{args.ops} concurrent calls a batch, async_workers={args.workers}; "
        f"delayed = +{args.delay_ms:g} ms a request"
    )
    print()
    print(
        f"{'network':8} {'side':24} {'ops/s':>9} {'best s':>8} {'lag max ms':>11} "
        f"{'p99 ms':>8} {'gc max ms':>10}"
    )
    print("-" * 84)
    for network, summary in networks.items():
        for side, result in summary.items():
            print(
                f"{network:8} {side:24} {result['ops_per_s']:9.1f} {result['wall_best']:8.3f} "
                f"{result['lag_max'] * 1000:11.1f} {result['lag_p99'] * 1000:8.1f} "
                f"{result['gc_pause_max'] * 1000:10.1f}"
            )
    all_ratios = {network: ratios(summary) for network, summary in networks.items()}
    print()
    for network, values in all_ratios.items():
        for name, value in values.items():
            print(f"{network:8} {name:30} {value:8.2f}x")
    delayed_summary = networks["delayed"]
    targets = {
        "exists_speedup_vs_sync_to_async": all_ratios["delayed"]["exists_vs_sync_to_async"]
        >= TARGET_SPEEDUP,
        "save_speedup_vs_sync_to_async": all_ratios["delayed"]["save_vs_sync_to_async"]
        >= TARGET_SPEEDUP,
        "exists_lag_under_20ms": delayed_summary["exists:ours"]["lag_max"] < TARGET_LAG,
        "save_lag_under_20ms": delayed_summary["save:ours"]["lag_max"] < TARGET_LAG,
    }
    print()
    for name, met in targets.items():
        print(f"target {name:40} {'ok' if met else 'MISS'}")
    document = {
        "ops": args.ops,
        "rounds": args.rounds,
        "delay_ms": args.delay_ms,
        "async_workers": args.workers,
        "load_average": {"before": load_before, "after": load_after},
        "results": networks,
        "ratios": all_ratios,
        "targets": targets,
    }
    text = json.dumps(document, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as output:
            output.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
