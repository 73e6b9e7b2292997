"""What ``S3Storage``'s bulk deletes and listings with metadata return.

:meth:`~storages.backends.s3.S3Storage.delete_many` returns a
:class:`DeleteResult`; :meth:`~storages.backends.s3.S3Storage.delete_prefix`
raises :class:`DeleteFailedError` when S3 refuses some files;
:meth:`~storages.backends.s3.S3Storage.scandir` yields :class:`Entry` records
and :meth:`~storages.backends.s3.S3Storage.stat` returns a :class:`Stat`. See
:doc:`/howto/bulk-operations`.
"""

from __future__ import annotations

from .backends._s3.bulk.results import DeleteFailedError, DeleteFailure, DeleteResult, Entry, Stat

__all__ = ["DeleteFailedError", "DeleteFailure", "DeleteResult", "Entry", "Stat"]
