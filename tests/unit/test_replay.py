"""Replay: an unseekable body read once, sent as often as a create-only save needs."""

from __future__ import annotations

import io
import logging

from helpers import OneWayStream
from storages.backends._s3.replay import Replay

DATA = bytes(range(256)) * 64  # 16 KiB


def test_every_stream_reads_the_bytes_from_the_start():
    source = OneWayStream(DATA, piece=1000)
    replay = Replay(source, memory_limit=0)
    assert replay.stream().read() == DATA
    assert replay.stream().read() == DATA
    replay.close()


def test_a_stream_cut_short_is_followed_by_one_that_reads_the_rest_from_the_source():
    replay = Replay(OneWayStream(DATA, piece=1000), memory_limit=0)
    first = replay.stream()
    assert first.read(5000) == DATA[:5000]  # exactly the bytes asked for, across short reads
    second = replay.stream()
    assert second.read(3) == DATA[:3]
    assert second.read() == DATA[3:]
    replay.close()


def test_the_spool_rolls_over_to_disk_beyond_the_memory_limit(tmp_path, caplog):
    replay = Replay(io.BytesIO(DATA), memory_limit=4096, directory=str(tmp_path))
    with caplog.at_level(logging.DEBUG, logger="storages.backends._s3.replay"):
        assert replay.stream().read() == DATA
    assert replay._spool._rolled
    assert caplog.messages == ["Spooled more than 4096 bytes of an unseekable body to disk"]
    assert replay.stream().read() == DATA
    replay.close()


def test_closing_a_stream_leaves_the_source_open():
    source = io.BytesIO(DATA)
    replay = Replay(source, memory_limit=0)
    stream = replay.stream()
    stream.read(10)
    stream.close()
    assert stream.closed
    assert not source.closed
    assert replay.stream().read() == DATA
