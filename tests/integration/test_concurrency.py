"""One storage shared by many threads: no shared-state errors, whole versions, no leaks."""

from __future__ import annotations

import gc
import random
import threading
from collections import Counter

import pytest
from botocore.client import BaseClient
from django.core.files.base import ContentFile

pytestmark = pytest.mark.integration

THREADS = 16
OPERATIONS = 2000
SHARED_NAMES = [f"shared/{i}.bin" for i in range(8)]


def _version(writer: int, serial: int) -> bytes:
    # Each version is self-describing and long enough to span several TCP reads.
    header = f"{writer:02d}-{serial:06d}|".encode()
    return header * (4096 // len(header))


def _is_whole_version(data: bytes) -> bool:
    if not data:
        return False
    header = data.split(b"|", 1)[0] + b"|"
    return data == header * (4096 // len(header))


def _live_clients() -> int:
    gc.collect()
    # type(), not isinstance(): isinstance() asks a lazy object such as
    # django.contrib.admin.site for its __class__, which builds it.
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), BaseClient))


def test_sixteen_threads_share_one_storage(make_storage):
    storage = make_storage(file_overwrite=True)
    for name in SHARED_NAMES:
        storage.save(name, ContentFile(_version(99, 0)))
    errors: list[BaseException] = []
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    per_thread = OPERATIONS // THREADS

    def worker(index: int) -> None:
        rng = random.Random(index)
        own = f"own/{index}.bin"
        try:
            for serial in range(per_thread):
                op = rng.choice(["save", "read", "exists", "url", "delete", "listdir", "own"])
                name = rng.choice(SHARED_NAMES)
                if op == "save":
                    storage.save(name, ContentFile(_version(index, serial)))
                elif op == "read":
                    try:
                        with storage.open(name, "rb") as f:
                            data = f.read()
                    except FileNotFoundError:
                        data = None  # deleted by another thread in between
                    assert data is None or _is_whole_version(data), data[:40]
                elif op == "exists":
                    storage.exists(name)
                elif op == "url":
                    assert name in storage.url(name)
                elif op == "delete":
                    storage.delete(name)
                elif op == "listdir":
                    dirs, files = storage.listdir("shared")
                    assert dirs == []
                    assert set(files) <= {n.split("/")[1] for n in SHARED_NAMES}
                else:
                    storage.save(own, ContentFile(_version(index, serial)))
                    with storage.open(own, "rb") as f:
                        assert f.read() == _version(index, serial)
                with lock:
                    counts[op] += 1
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    baseline = _live_clients()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    # Each thread built its own boto3 client; once the threads ended they were released.
    assert _live_clients() <= baseline + 2
    assert sum(counts.values()) == per_thread * THREADS
    assert set(counts) == {"save", "read", "exists", "url", "delete", "listdir", "own"}
