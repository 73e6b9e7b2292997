"""io rules shared by S3File's streams (the ranged reader, the part buffer, write mode)."""

from __future__ import annotations

import io

__all__ = ["PositionedRaw", "seek_target"]


def seek_target(offset: int, whence: int, position: int, size: int) -> int:
    """Return where ``seek(offset, whence)`` lands, by io.BytesIO's rules.

    io.BytesIO was django-storages' buffer: a negative absolute position
    raises ValueError, a relative one that goes below 0 stops at 0, and
    positions past the end are allowed.
    """
    if whence == io.SEEK_SET:
        target = offset
    elif whence == io.SEEK_CUR:
        target = position + offset
    elif whence == io.SEEK_END:
        target = size + offset
    else:
        raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
    if target < 0:
        if whence == io.SEEK_SET:
            raise ValueError(f"negative seek value {target}")
        target = 0
    return target


class PositionedRaw(io.RawIOBase):
    """A readable, seekable raw stream of ``size`` bytes, at position ``_pos``.

    Seeking only moves ``_pos``; subclasses read (and write) from there.
    """

    size: int
    _pos: int

    def readable(self) -> bool:
        """Return True."""
        return True

    def seekable(self) -> bool:
        """Return True."""
        return True

    def tell(self) -> int:
        """Return the position."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the position (past the end is allowed); return it."""
        self._pos = seek_target(offset, whence, self._pos, self.size)
        return self._pos
