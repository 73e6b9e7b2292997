"""The async API on SeaweedFS: every async method against its synchronous twin."""

from __future__ import annotations

import asyncio
import gzip
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile

from storages.aio import AsyncS3File
from storages.backends._s3.aio import pool
from storages.bulk import Entry
from storages.utils import setting


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_aexists_asize_and_aget_modified_time_answer_as_their_twins(storage):
    storage.save("a/b.txt", ContentFile(b"12345"))

    async def main() -> tuple[Any, ...]:
        return (
            await storage.aexists("a/b.txt"),
            await storage.aexists("a/missing.txt"),
            await storage.asize("a/b.txt"),
            await storage.aget_modified_time("a/b.txt"),
        )

    exists, missing, size, modified = _run(main())
    assert (exists, missing, size) == (True, False, 5)
    assert modified == storage.get_modified_time("a/b.txt")
    assert (modified.tzinfo is not None) is setting("USE_TZ")


def test_a_missing_file_raises_what_the_twin_raises(storage):
    with pytest.raises(FileNotFoundError) as sync_error:
        storage.size("nope.txt")
    with pytest.raises(FileNotFoundError) as async_error:
        _run(storage.asize("nope.txt"))
    assert str(async_error.value) == str(sync_error.value)

    async def open_missing() -> None:
        await storage.aopen("nope.txt")

    with pytest.raises(FileNotFoundError) as async_open_error:
        _run(open_missing())
    with pytest.raises(FileNotFoundError) as sync_open_error:
        storage.open("nope.txt")
    assert str(async_open_error.value) == str(sync_open_error.value)


def test_a_name_escaping_the_location_is_refused_as_by_the_twin(make_storage):
    storage = make_storage(location="media")
    with pytest.raises(SuspiciousOperation) as sync_error:
        storage.exists("../etc/passwd")
    with pytest.raises(SuspiciousOperation) as async_error:
        _run(storage.aexists("../etc/passwd"))
    assert str(async_error.value) == str(sync_error.value)


def test_asave_keeps_create_only_names_and_file_overwrite(make_storage, s3_client, bucket_name):
    storage = make_storage(file_overwrite=False)
    first = _run(storage.asave("doc.txt", ContentFile(b"one")))
    second = _run(storage.asave("doc.txt", ContentFile(b"two")))
    assert first == "doc.txt"
    assert second != "doc.txt"
    assert second.startswith("doc_")
    assert second.endswith(".txt")
    assert storage.open(first).read() == b"one"
    assert storage.open(second).read() == b"two"

    overwriting = make_storage(file_overwrite=True)
    assert _run(overwriting.asave("doc.txt", ContentFile(b"three"))) == "doc.txt"
    body = s3_client.get_object(Bucket=bucket_name, Key="doc.txt")["Body"].read()
    assert body == b"three"


def test_asave_gzips_and_sets_parameters_as_save_does(make_storage, s3_client, bucket_name):
    storage = make_storage(gzip=True, object_parameters={"CacheControl": "max-age=60"})
    css = b"body { color: red }\n" * 100
    name = _run(storage.asave("site.css", ContentFile(css)))
    head = s3_client.head_object(Bucket=bucket_name, Key=name)
    assert (head["ContentEncoding"], head["ContentType"], head["CacheControl"]) == (
        "gzip",
        "text/css",
        "max-age=60",
    )
    stored = s3_client.get_object(Bucket=bucket_name, Key=name)["Body"].read()
    assert gzip.decompress(stored) == css

    async def read_back() -> bytes:
        async with storage.aopen(name) as f:
            data: bytes = await f.read()
            return data

    assert _run(read_back()) == css


def test_adelete_alistdir_and_the_bulk_twins(storage):
    for name in ("d/a.txt", "d/b.txt", "d/sub/c.txt", "e/x.txt"):
        storage.save(name, ContentFile(name.encode()))

    async def main() -> dict[str, Any]:
        listed = await storage.alistdir("d")
        entries = [entry async for entry in storage.ascandir("d")]
        stat = await storage.astat("d/a.txt")
        copied = await storage.acopy("d/a.txt", "copies/a.txt")
        moved = await storage.amove("d/b.txt", "moved/b.txt")
        await storage.adelete("e/x.txt")
        deleted = await storage.adelete_many(["copies/a.txt", "moved/b.txt"])
        prefix = await storage.adelete_prefix("d")
        return {
            "listed": listed,
            "entries": entries,
            "stat": stat,
            "copied": copied,
            "moved": moved,
            "deleted": deleted,
            "prefix": prefix,
        }

    sync_listing = storage.listdir("d")
    sync_entries = list(storage.scandir("d"))
    sync_stat = storage.stat("d/a.txt")
    got = _run(main())
    assert got["listed"] == sync_listing == (["sub"], ["a.txt", "b.txt"])
    assert got["entries"] == sync_entries
    assert all(isinstance(entry, Entry) for entry in got["entries"])
    assert got["stat"] == sync_stat
    assert (got["copied"], got["moved"]) == ("copies/a.txt", "moved/b.txt")
    assert sorted(got["deleted"].deleted) == ["copies/a.txt", "moved/b.txt"]
    assert got["prefix"] == 2  # d/a.txt and d/sub/c.txt (b.txt was moved)
    remaining = [entry.path for entry in storage.scandir("", recursive=True)]
    assert remaining == []


def test_ascandir_reads_page_by_page_on_the_pool(storage, s3_client, bucket_name):
    for index in range(1203):
        s3_client.put_object(Bucket=bucket_name, Key=f"many/{index:05}.bin", Body=b"x")

    async def main() -> list[Entry]:
        return [entry async for entry in storage.ascandir("many")]

    entries = _run(main())
    assert [entry.name for entry in entries] == [f"{index:05}.bin" for index in range(1203)]
    assert {entry.size for entry in entries} == {1}


def test_aurl_returns_what_url_returns_and_stays_on_the_loop_once_built(storage, monkeypatch):
    calls: list[str] = []
    real_run = pool.run

    async def counting_run(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1].__name__)
        return await real_run(*args, **kwargs)

    monkeypatch.setattr("storages.backends._s3.aio.storage.run", counting_run)

    async def main() -> list[str]:
        return [
            await storage.aurl("a b.txt"),
            await storage.aurl("a b.txt", expire=60),
            await storage.aurl("a b.txt", parameters={"ResponseContentType": "text/plain"}),
        ]

    urls = _run(main())
    assert calls == ["url"]  # only the first, which builds the URL state
    assert urls[0].split("?")[0] == storage.url("a b.txt").split("?")[0]
    for got, sync_url in zip(
        urls,
        (
            storage.url("a b.txt"),
            storage.url("a b.txt", expire=60),
            storage.url("a b.txt", parameters={"ResponseContentType": "text/plain"}),
        ),
        strict=True,
    ):
        assert _without_signature_time(got) == _without_signature_time(sync_url)


def _without_signature_time(url: str) -> str:
    # The same second gives the same URL; across a second boundary only the date and
    # signature differ.
    return "&".join(
        part
        for part in url.split("&")
        if not part.startswith(("X-Amz-Date=", "X-Amz-Signature=", "Expires=", "Signature="))
    )


def test_aurl_with_a_custom_domain_is_the_plain_url(make_storage):
    storage = make_storage(custom_domain="cdn.example.com", querystring_auth=False)
    assert _run(storage.aurl("x/y z.txt")) == "https://cdn.example.com/x/y%20z.txt"
    assert storage.url("x/y z.txt") == "https://cdn.example.com/x/y%20z.txt"


def test_aopen_reads_seeks_and_iterates_as_open_does(storage):
    data = bytes(range(256)) * 4096  # 1 MiB
    storage.save("big.bin", ContentFile(data))

    async def main() -> dict[str, Any]:
        f = await storage.aopen("big.bin")
        assert isinstance(f, AsyncS3File)
        head = await f.read(10)
        position = await f.tell()
        await f.seek(-5, 2)
        tail = await f.read()
        await f.seek(0)
        chunks = [chunk async for chunk in f]
        rewound = [chunk async for chunk in f.chunks(300_000)]
        size = f.size
        await f.aclose()
        closed = f.closed
        await f.aclose()  # a second close does nothing
        return {
            "head": head,
            "position": position,
            "tail": tail,
            "chunks": chunks,
            "rewound": rewound,
            "size": size,
            "closed": closed,
        }

    got = _run(main())
    assert (got["head"], got["position"], got["tail"]) == (data[:10], 10, data[-5:])
    assert [len(chunk) for chunk in got["chunks"]] == [262144] * 4
    assert b"".join(got["chunks"]) == data
    assert [len(chunk) for chunk in got["rewound"]] == [300_000] * 3 + [148_576]
    assert b"".join(got["rewound"]) == data
    assert (got["size"], got["closed"]) == (len(data), True)


def test_aopen_in_text_mode_reads_str(storage):
    storage.save("notes.txt", ContentFile("héllo\nwörld\n".encode()))

    async def main() -> list[str]:
        async with storage.aopen("notes.txt", "r") as f:
            return [await f.readline(), await f.read()]

    assert _run(main()) == ["héllo\n", "wörld\n"]


def test_aopen_refuses_writing_modes(storage):
    for mode in ("wb", "w", "ab", "r+b"):
        with pytest.raises(ValueError) as error:
            storage.aopen("x.bin", mode)
        assert str(error.value) == (
            f"aopen() reads files; {mode!r} is not a reading mode. Write with asave(name, content)."
        )


def test_aopen_reads_a_version(make_storage, s3_client, bucket_name):
    s3_client.put_bucket_versioning(
        Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"}
    )
    storage = make_storage(file_overwrite=True)
    storage.save("v.txt", ContentFile(b"first"))
    old = storage.stat("v.txt").version_id
    storage.save("v.txt", ContentFile(b"second"))

    async def main() -> bytes:
        async with storage.aopen("v.txt", version_id=old) as f:
            data: bytes = await f.read()
            return data

    assert _run(main()) == b"first"


def test_concurrent_calls_run_on_the_shared_pool_and_share_one_client(make_storage):
    storage = make_storage(async_workers=4)
    other = make_storage(async_workers=4)
    storage.save("f.txt", ContentFile(b"x"))
    threads: set[str] = set()
    clients: set[int] = set()

    def recorder(target: Any) -> Any:
        real_exists = target.exists

        def exists(name: str) -> bool:
            threads.add(threading.current_thread().name)
            if target is storage:
                clients.add(id(target.connection.meta.client))
            return bool(real_exists(name))

        return exists

    storage.exists = recorder(storage)
    other.exists = recorder(other)

    async def main() -> list[bool]:
        calls = [storage.aexists("f.txt") for _ in range(40)]
        calls += [other.aexists("f.txt") for _ in range(40)]
        return list(await asyncio.gather(*calls))

    assert _run(main()) == [True] * 80
    assert threads <= {f"s3storages-async-4_{index}" for index in range(4)}
    assert len(threads) > 1
    assert len(clients) == 1
    assert pool.executor(4) is pool.executor(4)


def test_a_listing_view_block_applies_inside_the_async_calls(storage, s3_client, bucket_name):
    storage.save("seen.txt", ContentFile(b"x"))

    async def main() -> tuple[bool, bool]:
        with storage.listing_view():
            before = await storage.aexists("seen.txt")
            # Written behind the storage's back: the block's one listing does not see it.
            s3_client.put_object(Bucket=bucket_name, Key="unseen.txt", Body=b"y")
            return before, await storage.aexists("unseen.txt")

    assert _run(main()) == (True, False)
    assert _run(storage.aexists("unseen.txt")) is True  # outside the block: asked S3


def test_many_storages_share_the_pool_of_their_size(make_storage):
    storages = [make_storage(async_workers=3) for _ in range(30)]

    async def main() -> None:
        await asyncio.gather(*(storage.aexists("x.txt") for storage in storages))

    _run(main())
    _run(main())
    names = {thread.name for thread in threading.enumerate()}
    assert {name for name in names if name.startswith("s3storages-async-3_")} <= {
        "s3storages-async-3_0",
        "s3storages-async-3_1",
        "s3storages-async-3_2",
    }


_EXITING_SCRIPT = """
import asyncio, os, sys, threading
import django
from django.conf import settings

settings.configure(USE_TZ=True)
django.setup()
from storages.backends.s3 import S3Storage

storage = S3Storage(
    bucket_name=sys.argv[1], endpoint_url=sys.argv[2], access_key=sys.argv[3],
    secret_key=sys.argv[4], region_name="us-east-1", async_workers=2,
)
print(asyncio.run(storage.aexists("nothing.txt")), flush=True)
pid = os.fork()
if pid == 0:  # the child starts a pool of its own, and works
    print("child", asyncio.run(storage.aexists("nothing.txt")), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
print(sorted(t.name for t in threading.enumerate() if t.name.startswith("s3storages")))
"""


def test_the_pool_works_after_a_fork_and_stops_with_the_process(s3_server, bucket_name):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _EXITING_SCRIPT,
            bucket_name,
            s3_server.endpoint_url,
            s3_server.access_key,
            s3_server.secret_key,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "False",
        "child False",
        "['s3storages-async-2_0']",
    ]
