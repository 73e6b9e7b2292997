"""Streaming gzip: compress content on save, decompress files on read."""

from __future__ import annotations

import gzip
import io
import zlib
from typing import IO, Any

from .utils import to_bytes

__all__ = ["CompressStorageMixin", "CompressedFileMixin", "GzipCompressionWrapper"]

#: wbits for a gzip container (16 + 15-bit window); the header's mtime is 0,
#: so equal input always gives equal output.
_GZIP_WBITS = 31


class GzipCompressionWrapper(io.RawIOBase):
    """A readable, non-seekable stream that gzips ``raw`` as it is read.

    Memory stays bounded by the read size: nothing is read ahead.
    """

    def __init__(self, raw: IO[Any], level: int = zlib.Z_BEST_COMPRESSION) -> None:
        super().__init__()
        self.raw = raw
        self.compress = zlib.compressobj(level=level, wbits=_GZIP_WBITS)
        self.leftover = bytearray()

    @staticmethod
    def readable() -> bool:
        """Return True."""
        return True

    def readinto(self, buf: Any) -> int:
        """Fill ``buf`` with compressed bytes; return 0 at the end."""
        size = len(buf)
        while len(self.leftover) < size:
            chunk = to_bytes(self.raw.read(size))
            if not chunk:
                if self.compress is not None:
                    self.leftover += self.compress.flush(zlib.Z_FINISH)
                    self.compress = None  # type: ignore[assignment]
                break
            self.leftover += self.compress.compress(chunk)
        if not self.leftover:
            return 0
        output = self.leftover[:size]
        size = len(output)
        buf[:size] = output
        del self.leftover[:size]
        return size


class CompressStorageMixin:
    """Adds gzip compression of uploaded content to a storage."""

    def _compress_content(self, content: IO[Any]) -> GzipCompressionWrapper:
        """Return a stream that gzips ``content`` as it is read."""
        return GzipCompressionWrapper(content)


class CompressedFileMixin:
    """Adds gzip decompression of a downloaded buffer to a file."""

    def _decompress_file(self, mode: str, file: IO[bytes], mtime: float = 0.0) -> gzip.GzipFile:
        """Return a GzipFile that decompresses ``file``."""
        return gzip.GzipFile(mode=mode, fileobj=file, mtime=mtime)
