"""The types of ``S3Storage``'s async API, for type hints.

:meth:`~storages.backends.s3.S3Storage.aopen` returns an :class:`Opening`:
await it for an :class:`AsyncS3File`, or use it with ``async with``. See
:doc:`/howto/async`.
"""

from __future__ import annotations

from .backends._s3.aio.file import AsyncS3File, Opening

__all__ = ["AsyncS3File", "Opening"]
