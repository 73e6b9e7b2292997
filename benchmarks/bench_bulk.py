"""Benchmark bulk deletes and listings with metadata on a local SeaweedFS server.

Run:  .venv/bin/python benchmarks/bench_bulk.py [--deletes 5000] [--folder 500]
      [--copy-mib 256] [--rounds 2]

Three comparisons, each side run on the same server in the same run, the
sides alternating over --rounds rounds (best round kept):

* deleting --deletes files: ``delete_many(names)`` against a loop of
  ``delete(name)`` (what Django code does today), with a sequential loop of
  raw boto3 ``delete_objects`` batches beside them as the SDK's floor;
* a folder page of --folder files with names, sizes and dates:
  ``scandir(path)`` against ``listdir(path)`` plus ``size()`` and
  ``get_modified_time()`` per file, with one raw boto3 ``list_objects_v2``
  page beside them;
* a copy of a --copy-mib MiB file: ``copy(src, dst)`` (one CopyObject)
  and its multipart copy (the threshold lowered to 0: UploadPartCopy
  parts of 64 MiB, four at once) against ``save(dst, open(src))``, the
  download and re-upload Django code does today, with raw boto3
  ``copy_object`` beside them.

Requests are counted with a ``before-send`` hook on the client that sends
them (retries included). Prints a table, the ratios (the other side's wall
time over ours: above 1, ours is faster), then one JSON document.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from bench_collectstatic import Requests
from django.conf import settings


def counted(client: Any) -> Requests:
    """Return a counter of the requests ``client`` sends, by S3 operation."""
    counter = Requests()
    counter.attach(client)
    return counter


def take(counter: Requests) -> dict[str, int]:
    """Return the counts so far, and start counting from zero."""
    counts = dict(counter.sent)
    counter.sent.clear()
    return counts


def seed(client: Any, bucket: str, keys: list[str]) -> None:
    """Store ``keys`` (small bodies of distinct sizes) from 8 threads."""

    def put(item: tuple[int, str]) -> None:
        client.put_object(Bucket=bucket, Key=item[1], Body=b"x" * (item[0] % 200))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, enumerate(keys)))


def timed(work: Any, counter: Requests) -> dict[str, Any]:
    take(counter)
    start = time.perf_counter()
    work()
    return {"wall": time.perf_counter() - start, "requests": take(counter)}


def best(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return min(rounds, key=lambda result: result["wall"])


def delete_loop(storage: Any, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


def delete_batches(client: Any, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):
        objects = [{"Key": key} for key in keys[start : start + 1000]]
        client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})


def bench_deletes(server: Any, bucket: str, count: int, rounds: int) -> dict[str, Any]:
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**server.storage_options(bucket, location="bench"))
    counter = counted(storage.connection.meta.client)
    raw = server.client()
    raw_counter = counted(raw)
    results: dict[str, list[dict[str, Any]]] = {"many": [], "loop": [], "boto3": []}
    for number in range(rounds):
        names = {side: [f"{side}{number}/f{i:05d}" for i in range(count)] for side in results}
        seed(raw, bucket, [f"bench/{name}" for side in results for name in names[side]])
        take(raw_counter)
        work = {
            "many": (functools.partial(storage.delete_many, names["many"]), counter),
            "loop": (functools.partial(delete_loop, storage, names["loop"]), counter),
            "boto3": (
                functools.partial(
                    delete_batches, raw, bucket, [f"bench/{n}" for n in names["boto3"]]
                ),
                raw_counter,
            ),
        }
        # Alternate which side goes first, so that neither always meets a fuller server.
        order = ["many", "loop", "boto3"] if number % 2 == 0 else ["loop", "many", "boto3"]
        for side in order:
            results[side].append(timed(*work[side]))
    left = raw.list_objects_v2(Bucket=bucket, Prefix="bench/").get("KeyCount", 0)
    assert left == 0, f"{left} keys were not deleted"
    return {side: best(side_results) for side, side_results in results.items()}


def bench_folder(server: Any, bucket: str, count: int, rounds: int) -> dict[str, Any]:
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**server.storage_options(bucket, location="site"))
    counter = counted(storage.connection.meta.client)
    raw = server.client()
    raw_counter = counted(raw)
    seed(raw, bucket, [f"site/folder/f{i:04d}.txt" for i in range(count)])
    seed(raw, bucket, [f"site/folder/sub{i}/inner.txt" for i in range(3)])

    def scan() -> list[tuple[str, int, Any]]:
        return [
            (entry.name, entry.size, entry.modified)
            for entry in storage.scandir("folder")
            if not entry.is_dir
        ]

    def per_file() -> list[tuple[str, int, Any]]:
        _, files = storage.listdir("folder")
        return [
            (name, storage.size(f"folder/{name}"), storage.get_modified_time(f"folder/{name}"))
            for name in files
        ]

    def page() -> list[tuple[str, int, Any]]:
        response = raw.list_objects_v2(Bucket=bucket, Prefix="site/folder/", Delimiter="/")
        return [(item["Key"], item["Size"], item["LastModified"]) for item in response["Contents"]]

    assert scan() == per_file(), "scandir and listdir + size + get_modified_time disagree"
    assert len(page()) == count
    take(counter)
    take(raw_counter)
    results: dict[str, list[dict[str, Any]]] = {"scandir": [], "listdir": [], "boto3": []}
    for number in range(rounds):
        order = (
            ["scandir", "listdir", "boto3"] if number % 2 == 0 else ["listdir", "scandir", "boto3"]
        )
        for side in order:
            if side == "scandir":
                results[side].append(timed(scan, counter))
            elif side == "listdir":
                results[side].append(timed(per_file, counter))
            else:
                results[side].append(timed(page, raw_counter))
    return {side: best(side_results) for side, side_results in results.items()}


def bench_copy(server: Any, bucket: str, mib: int, rounds: int) -> dict[str, Any]:
    from storages.backends._s3.bulk import copy as bulk_copy
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**server.storage_options(bucket, location="copy", file_overwrite=True))
    counter = counted(storage.connection.meta.client)
    raw = server.client()
    raw_counter = counted(raw)
    raw.put_object(Bucket=bucket, Key="copy/src.bin", Body=os.urandom(mib * 1024**2))

    def multipart(dst: str) -> None:
        threshold, part = bulk_copy.MULTIPART_THRESHOLD, bulk_copy.COPY_PART_SIZE
        bulk_copy.MULTIPART_THRESHOLD, bulk_copy.COPY_PART_SIZE = 0, 64 * 1024**2
        try:
            storage.copy("src.bin", dst)
        finally:
            bulk_copy.MULTIPART_THRESHOLD, bulk_copy.COPY_PART_SIZE = threshold, part

    def reupload(dst: str) -> None:
        with storage.open("src.bin") as source:
            storage.save(dst, source)

    def boto3_copy(dst: str) -> None:
        raw.copy_object(
            Bucket=bucket, Key=f"copy/{dst}", CopySource={"Bucket": bucket, "Key": "copy/src.bin"}
        )

    work = {
        "copy": (functools.partial(storage.copy, "src.bin"), counter),
        "multipart": (multipart, counter),
        "reupload": (reupload, counter),
        "boto3": (boto3_copy, raw_counter),
    }
    take(counter)
    take(raw_counter)
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in work}
    for number in range(rounds):
        order = list(work) if number % 2 == 0 else list(reversed(work))
        for side in order:
            call, side_counter = work[side]
            results[side].append(timed(functools.partial(call, f"{side}.bin"), side_counter))
        for side in work:
            head = raw.head_object(Bucket=bucket, Key=f"copy/{side}.bin")
            assert head["ContentLength"] == mib * 1024**2, side
        raw.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": f"copy/{side}.bin"} for side in work]}
        )
        take(raw_counter)
    return {side: best(side_results) for side, side_results in results.items()}


def requests_text(requests: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(requests.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deletes", type=int, default=5000, help="files deleted per side")
    parser.add_argument("--folder", type=int, default=500, help="files in the folder page")
    parser.add_argument("--copy-mib", type=int, default=256, help="size of the file copied")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per side (best kept)")
    parser.add_argument("--json", help="also write the JSON document to this file")
    args = parser.parse_args()

    settings.configure(USE_TZ=True, SECRET_KEY="benchmark-only", INSTALLED_APPS=["storages"])
    django.setup()
    from storages.testing.seaweedfs import SeaweedFS

    load_before = os.getloadavg()
    with SeaweedFS() as server:
        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        server.create_bucket(bucket)
        deletes = bench_deletes(server, bucket, args.deletes, args.rounds)
        folder = bench_folder(server, bucket, args.folder, max(args.rounds, 3))
        copies = bench_copy(server, bucket, args.copy_mib, args.rounds)
    load_after = os.getloadavg()

    rows = [
        (f"delete_many() of {args.deletes} files", deletes["many"]),
        (f"loop of delete(), {args.deletes} files", deletes["loop"]),
        (f"boto3 delete_objects loop, {args.deletes} keys", deletes["boto3"]),
        (f"scandir() of {args.folder} files", folder["scandir"]),
        ("listdir() + size() + get_modified_time()", folder["listdir"]),
        ("boto3 list_objects_v2, one page", folder["boto3"]),
        (f"copy() of {args.copy_mib} MiB", copies["copy"]),
        (f"copy() of {args.copy_mib} MiB, multipart", copies["multipart"]),
        (f"save(dst, open(src)), {args.copy_mib} MiB", copies["reupload"]),
        (f"boto3 copy_object, {args.copy_mib} MiB", copies["boto3"]),
    ]
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print()
    print(f"{'scenario':46} {'wall s':>9} {'req':>6}  requests")
    print("-" * 90)
    for label, result in rows:
        requests = result["requests"]
        print(
            f"{label:46} {result['wall']:9.3f} {sum(requests.values()):6d}  "
            f"{requests_text(requests)}"
        )
    ratios = {
        "delete_many_vs_delete_loop": deletes["loop"]["wall"] / deletes["many"]["wall"],
        "delete_many_vs_boto3_batches": deletes["boto3"]["wall"] / deletes["many"]["wall"],
        "scandir_vs_listdir_size_modified": folder["listdir"]["wall"] / folder["scandir"]["wall"],
        "scandir_vs_boto3_page": folder["boto3"]["wall"] / folder["scandir"]["wall"],
        "copy_vs_download_reupload": copies["reupload"]["wall"] / copies["copy"]["wall"],
        "multipart_copy_vs_download_reupload": copies["reupload"]["wall"]
        / copies["multipart"]["wall"],
        "copy_vs_boto3_copy_object": copies["boto3"]["wall"] / copies["copy"]["wall"],
    }
    print()
    for name, ratio in ratios.items():
        print(f"{name:46} {ratio:8.2f}x")
    document = {
        "deletes": args.deletes,
        "folder": args.folder,
        "copy_mib": args.copy_mib,
        "load_average": {"before": load_before, "after": load_after},
        "results": {"deletes": deletes, "folder": folder, "copy": copies},
        "ratios": ratios,
    }
    text = json.dumps(document, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as output:
            output.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
