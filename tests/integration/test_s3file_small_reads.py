"""Small reads of big objects move little data and keep their connection pooled.

Every read here goes through a counting relay in front of SeaweedFS, so the
tests pin what crossed the wire: requests by method, new connections, and the
bytes that reached the client's socket (an abandoned response counts what was
sent before it was closed).
"""

from __future__ import annotations

import os

import pytest

from countingproxy import CountingProxy, traffic
from storages.backends._s3.files.reader import DRAIN_LIMIT, FIRST_WINDOW, PIECE_SIZE

KiB = 1024
MiB = 1024 * KiB


@pytest.fixture
def proxy(s3_server):
    relay = CountingProxy(int(s3_server.endpoint_url.rsplit(":", 1)[1]))
    yield relay
    relay.close()


@pytest.fixture
def counted(make_storage, proxy):
    """A storage whose requests cross the relay, with its pooled connection already open."""
    storage = make_storage(endpoint_url=proxy.endpoint_url)
    storage.exists("warm-up")
    return storage


@pytest.fixture
def put(s3_client, bucket_name):
    """Store random bytes under a name (directly, not through the relay); return them."""

    def store(name: str, size: int) -> bytes:
        data = os.urandom(size)
        s3_client.put_object(Bucket=bucket_name, Key=name, Body=data)
        return data

    return store


def image_dimensions_reads(f) -> bytes:
    """Read what Django's get_image_dimensions reads of a PNG: Pillow needs its first 1 KiB."""
    position = f.tell()
    f.seek(0)
    head = f.read(1024)
    f.seek(position)
    return head


def test_image_dimensions_move_one_small_window_and_keep_the_connection(counted, proxy, put):
    data = put("photo.png", 5 * MiB)
    before = traffic(proxy)
    with counted.open("photo.png", "rb") as f:
        assert image_dimensions_reads(f) == data[:1024]
        assert f.tell() == 0
    read = traffic(proxy) - before
    assert read.requests == {"HEAD": 1, "GET": 1}
    assert read.bytes_down <= 256 * KiB
    assert counted.exists("photo.png")  # the next request
    assert (traffic(proxy) - before).connections == 0


def test_a_read_after_a_far_seek_moves_one_small_window(counted, proxy, put):
    data = put("photo.png", 5 * MiB)
    before = traffic(proxy)
    with counted.open("photo.png", "rb") as f:
        f.seek(3_000_000)
        assert f.read(100) == data[3_000_000:3_000_100]
    read = traffic(proxy) - before
    assert read.requests == {"HEAD": 1, "GET": 1}
    assert read.bytes_down <= 256 * KiB
    assert counted.exists("photo.png")
    assert (traffic(proxy) - before).connections == 0


def test_seeks_to_new_places_keep_one_connection(counted, proxy, put):
    data = put("photo.png", 5 * MiB)
    before = traffic(proxy)
    with counted.open("photo.png", "rb") as f:
        for place in (4 * MiB, 10, 2 * MiB, 5 * MiB - 50):
            f.seek(place)
            assert f.read(50) == data[place : place + 50]
    read = traffic(proxy) - before
    assert read.requests == {"HEAD": 1, "GET": 4}
    assert read.bytes_down <= 4 * (FIRST_WINDOW + 2 * KiB)
    assert read.connections == 0


def _read_into_the_second_window(storage, name: str, data: bytes) -> None:
    """Read the first window and one buffer of the next, then close with the rest unread."""
    with storage.open(name, "rb") as f:
        assert f.read(FIRST_WINDOW) == data[:FIRST_WINDOW]
        assert f.read(PIECE_SIZE) == data[FIRST_WINDOW : FIRST_WINDOW + PIECE_SIZE]


def test_a_small_unread_rest_is_drained_so_the_connection_is_reused(counted, proxy, put):
    # The second GET asks for the rest of the object; DRAIN_LIMIT / 2 of it stays unread.
    data = put("a.bin", FIRST_WINDOW + PIECE_SIZE + DRAIN_LIMIT // 2)
    before = traffic(proxy)
    _read_into_the_second_window(counted, "a.bin", data)
    assert counted.exists("a.bin")
    used = traffic(proxy) - before
    assert used.requests == {"HEAD": 2, "GET": 2}
    assert used.connections == 0


def test_a_large_unread_rest_is_closed_as_before(counted, proxy, put):
    # Reading more than DRAIN_LIMIT only to save a connection would cost more than it saves.
    data = put("a.bin", FIRST_WINDOW + PIECE_SIZE + DRAIN_LIMIT + 32 * KiB)
    before = traffic(proxy)
    _read_into_the_second_window(counted, "a.bin", data)
    assert counted.exists("a.bin")
    used = traffic(proxy) - before
    assert used.requests == {"HEAD": 2, "GET": 2}
    assert used.connections == 1  # the closed response took its connection along


def test_a_sequential_read_gets_every_byte_in_few_requests(counted, proxy, put):
    data = put("movie.bin", 6 * MiB)
    before = traffic(proxy)
    with counted.open("movie.bin", "rb") as f:
        assert b"".join(f.chunks()) == data
    read = traffic(proxy) - before
    # 64 KiB, then file_read_ahead_size (4 MiB), then the rest (its double is larger).
    assert read.requests == {"HEAD": 1, "GET": 3}
    assert len(data) <= read.bytes_down <= len(data) + 8 * KiB
    assert read.connections == 0
