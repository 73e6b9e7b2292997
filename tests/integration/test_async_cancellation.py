"""Cancelling async calls on SeaweedFS: nothing half-written, no upload left, connections back."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from django.core.files.base import ContentFile

MIB = 1024**2
TRANSFER = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)


def _uploads(s3_client: Any, bucket_name: str) -> list[str]:
    listed = s3_client.list_multipart_uploads(Bucket=bucket_name)
    return [upload["Key"] for upload in listed.get("Uploads", [])]


def _pool_client(storage: Any) -> Any:
    asyncio.run(storage.aexists("warm-up"))  # builds the client the pool threads share
    return storage._runtime.pool_resource.meta.client


def _track_responses(client: Any) -> list[Any]:
    """Return the list every GetObject response body of ``client`` will be added to."""
    bodies: list[Any] = []
    client.meta.events.register(
        "after-call.s3.GetObject", lambda parsed, **kwargs: bodies.append(parsed["Body"])
    )
    return bodies


@pytest.mark.parametrize("file_overwrite", [False, True], ids=["create-only", "overwrite"])
@pytest.mark.parametrize("size", [40 * 1024, 12 * MIB], ids=["small", "multipart"])
def test_cancelling_asave_at_random_points_leaves_the_whole_file_or_nothing(
    make_storage, s3_client, bucket_name, size, file_overwrite
):
    storage = make_storage(file_overwrite=file_overwrite, transfer_config=TRANSFER)
    client = _pool_client(storage)
    aborts: list[str] = []
    client.meta.events.register(
        "provide-client-params.s3.AbortMultipartUpload",
        lambda params, **kwargs: aborts.append(params["Key"]),
    )
    data = random.Random(size).randbytes(size)

    async def save_once(name: str) -> float:
        started = time.perf_counter()
        await storage.asave(name, ContentFile(data))
        return time.perf_counter() - started

    duration = asyncio.run(save_once("timing.bin"))
    rng = random.Random(7)
    # None: cancelled before it starts; then one that ends first, then random points.
    delays = [None, duration * 3] + [rng.uniform(0, duration * 1.2) for _ in range(10)]
    outcomes: dict[str, int] = {"whole": 0, "nothing": 0}

    async def cancel_after(name: str, delay: float | None) -> None:
        task = asyncio.create_task(storage.asave(name, ContentFile(data)))
        if delay is not None:
            await asyncio.sleep(delay)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    for index, delay in enumerate(delays):
        name = f"cancelled/{index}.bin"
        asyncio.run(cancel_after(name, delay))
        # When the cancelled task ends, the call has ended too: the store is final.
        assert _uploads(s3_client, bucket_name) == []
        try:
            stored = s3_client.get_object(Bucket=bucket_name, Key=name)["Body"].read()
        except s3_client.exceptions.NoSuchKey:
            outcomes["nothing"] += 1
        else:
            assert stored == data
            outcomes["whole"] += 1
    assert outcomes["nothing"] >= 1  # cancelled before it started
    assert outcomes["whole"] >= 1  # three times as long as a save: finished
    if size > 5 * MIB:
        # Some cancellations landed mid-upload: that upload was aborted, not completed.
        assert len(aborts) >= 1
        assert len(aborts) <= outcomes["nothing"]


@pytest.mark.parametrize("file_overwrite", [False, True], ids=["create-only", "overwrite"])
def test_a_cancelled_save_stops_reading_its_content(
    make_storage, s3_client, bucket_name, file_overwrite
):
    storage = make_storage(file_overwrite=file_overwrite, transfer_config=TRANSFER)
    reads: list[int] = []

    class SlowContent(ContentFile):  # type: ignore[type-arg]
        def read(self, size: int = -1) -> Any:
            reads.append(size)
            time.sleep(0.05)
            return super().read(size)

    async def main() -> None:
        task = asyncio.create_task(storage.asave("slow.bin", SlowContent(b"x" * 200 * MIB)))
        while len(reads) < 2:
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    # The whole body is 40 reads of 5 MiB; it stopped soon after the cancel.
    assert len(reads) < 10
    assert _uploads(s3_client, bucket_name) == []
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket_name, Prefix="slow")


@pytest.mark.parametrize("how", ["chunks", "read-all"])
def test_a_cancelled_read_closes_the_file_and_releases_its_connection(storage, how):
    storage.save("big.bin", ContentFile(b"z" * 24 * MIB))
    bodies = _track_responses(_pool_client(storage))
    opened: list[Any] = []

    async def read_slowly() -> None:
        async with storage.aopen("big.bin") as f:
            opened.append(f)
            while True:  # until cancelled
                await f.seek(0)
                if how == "read-all":
                    await f.read()
                async for _chunk in f:
                    await asyncio.sleep(0.01)

    async def main() -> None:
        task = asyncio.create_task(read_slowly())
        while not opened:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert opened[0].closed
    # Every response was read to its end or closed: none holds a connection.
    assert bodies
    assert [body._raw_stream.closed for body in bodies] == [True] * len(bodies)
