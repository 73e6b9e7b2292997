"""Streaming gzip on save, and the gzip decoder for reads."""

from __future__ import annotations

import gzip
import io

from storages.compress import CompressedFileMixin, CompressStorageMixin, GzipCompressionWrapper


class _CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.sizes: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.sizes.append(-1 if size is None else size)
        return super().read(size)


def test_round_trip_and_deterministic_output():
    data = b"body { color: red }\n" * 5000
    first = GzipCompressionWrapper(io.BytesIO(data)).read()
    second = GzipCompressionWrapper(io.BytesIO(data)).read()
    assert gzip.decompress(first) == data
    assert first == second
    assert len(first) < len(data) // 10
    # A gzip header with mtime 0.
    assert first[:2] == b"\x1f\x8b"
    assert first[4:8] == b"\x00\x00\x00\x00"


def test_streams_in_bounded_reads():
    source = _CountingReader(b"x" * 1_000_000)
    wrapper = GzipCompressionWrapper(source)
    chunks = []
    while chunk := wrapper.read(8192):
        assert len(chunk) <= 8192
        chunks.append(chunk)
    assert gzip.decompress(b"".join(chunks)) == b"x" * 1_000_000
    assert max(source.sizes) == 8192
    assert wrapper.readable()
    assert not wrapper.seekable()


def test_text_source_is_encoded_as_utf8():
    wrapper = GzipCompressionWrapper(io.StringIO("héllo"))
    assert gzip.decompress(wrapper.read()) == "héllo".encode()


def test_empty_source_gives_valid_empty_gzip():
    assert gzip.decompress(GzipCompressionWrapper(io.BytesIO(b"")).read()) == b""


def test_mixins():
    compressed = CompressStorageMixin()._compress_content(io.BytesIO(b"abc"))
    assert isinstance(compressed, GzipCompressionWrapper)
    blob = io.BytesIO(gzip.compress(b"abc"))
    decoded = CompressedFileMixin()._decompress_file(mode="rb", file=blob)
    assert decoded.read() == b"abc"
