"""The async API in an ASGI site: Django's AsyncClient on async views, and the loop's lag."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from botocore.endpoint import Endpoint
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.test import AsyncClient, override_settings
from django.urls import path

from storages.aio import AsyncS3File

#: The storage the views use, set by each test.
_STORAGE: list[Any] = []
#: The files the streaming view opened.
_OPENED: list[AsyncS3File] = []


async def upload(request: HttpRequest) -> HttpResponse:
    storage = _STORAGE[0]
    name = await storage.asave(f"uploads/{request.FILES['file'].name}", request.FILES["file"])
    return JsonResponse({"name": name, "exists": await storage.aexists(name)}, status=201)


async def listing(request: HttpRequest) -> HttpResponse:
    directories, files = await _STORAGE[0].alistdir("uploads")
    return JsonResponse({"directories": directories, "files": files})


async def download(request: HttpRequest, name: str) -> HttpResponse:
    storage = _STORAGE[0]
    try:
        file = await storage.aopen(name)
    except FileNotFoundError:
        return HttpResponse(status=404)
    _OPENED.append(file)
    response = StreamingHttpResponse(file, content_type="application/octet-stream")
    response["Content-Length"] = str(file.size)
    return response


urlpatterns = [
    path("upload/", upload),
    path("files/", listing),
    path("files/<path:name>", download),
]


@pytest.fixture
def site(storage):
    _STORAGE[:] = [storage]
    _OPENED.clear()
    with override_settings(ROOT_URLCONF=__name__):
        yield storage
    _STORAGE.clear()


async def _body(response: Any) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


def test_async_views_save_check_list_and_stream_through_asgi(site):
    data = bytes(range(256)) * 8192  # 2 MiB: several chunks

    async def main() -> dict[str, Any]:
        client = AsyncClient()
        uploaded = await client.post("/upload/", {"file": SimpleUploadedFile("report.bin", data)})
        again = await client.post("/upload/", {"file": SimpleUploadedFile("report.bin", data)})
        listed = await client.get("/files/")
        streamed = await client.get("/files/uploads/report.bin")
        body = await _body(streamed)
        missing = await client.get("/files/uploads/nope.bin")
        return {
            "uploaded": (uploaded.status_code, uploaded.json()),
            "again": again.json(),
            "listed": listed.json(),
            "streamed": (streamed.status_code, streamed["Content-Length"], body),
            "missing": missing.status_code,
        }

    got = _run(main())
    assert got["uploaded"] == (201, {"name": "uploads/report.bin", "exists": True})
    assert got["again"] == {"name": "uploads/report.bin", "exists": True}  # file_overwrite
    assert got["listed"] == {"directories": [], "files": ["report.bin"]}
    assert got["streamed"] == (200, str(len(data)), data)
    assert got["missing"] == 404
    assert site.open("uploads/report.bin").read() == data
    assert [file.closed for file in _OPENED] == [True]  # the response closed it


def _run(coroutine: Awaitable[Any]) -> Any:
    async def wrapper() -> Any:
        return await coroutine

    return asyncio.run(wrapper())


async def _max_lag_during(work: Callable[[], Awaitable[Any]], tick: float = 0.002) -> float:
    """Run ``work()`` while a ticker sleeps ``tick`` at a time; return its worst lateness."""
    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(tick)
            lags.append(time.perf_counter() - before - tick)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(tick * 2)
    try:
        await work()
    finally:
        stop.set()
        await ticking
    return max(lags)


def test_the_ticker_sees_a_blocked_loop():
    async def blocking() -> None:
        time.sleep(0.3)

    assert _run(_max_lag_during(blocking)) >= 0.29


def test_two_hundred_concurrent_operations_never_block_the_loop(site, monkeypatch):
    for index in range(50):
        site.save(f"lag/{index}.txt", ContentFile(b"x"))
    senders: set[str] = set()
    real_send = Endpoint._send

    def recording_send(self: Any, request: Any) -> Any:
        senders.add(threading.current_thread().name)
        return real_send(self, request)

    monkeypatch.setattr(Endpoint, "_send", recording_send)

    async def operations() -> None:
        assert threading.current_thread().name == loop_thread
        calls: list[Awaitable[Any]] = [site.aexists(f"lag/{i % 60}.txt") for i in range(100)]
        calls += [site.asave(f"lag/new-{i}.txt", ContentFile(b"y" * 1024)) for i in range(90)]
        calls += [site.aurl(f"lag/{i}.txt") for i in range(5)]
        calls += [site.alistdir("lag"), site.asize("lag/1.txt"), site.astat("lag/2.txt")]
        calls += [_read(site, "lag/3.txt"), _read(site, "lag/4.txt")]
        results = await asyncio.gather(*calls)
        assert results[:100] == [i % 60 < 50 for i in range(100)]
        assert results[-2:] == [b"x", b"x"]

    loop_thread = threading.current_thread().name
    started = time.perf_counter()
    lag = _run(_max_lag_during(operations))
    elapsed = time.perf_counter() - started
    # No request left from the loop's thread: every one went from the pool.
    assert loop_thread not in senders
    assert senders
    assert all(name.startswith("s3storages-async-8_") for name in senders)
    # Had the calls run on the loop, the ticker would have waited for all of them.
    assert lag < elapsed / 2


async def _read(storage: Any, name: str) -> bytes:
    async with storage.aopen(name) as f:
        data: bytes = await f.read()
        return data
