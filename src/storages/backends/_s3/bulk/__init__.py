"""Bulk deletes and listings with metadata: delete_many, delete_prefix, scandir, stat.

Django's Storage API deletes one file a request and learns a file's size and
date with one HEAD each. S3 deletes up to 1,000 keys in one DeleteObjects
request, and each ListObjectsV2 page already carries the size, date and ETag
of up to 1,000 keys. The modules here use both:

- ``results.py``: what the methods return (``DeleteResult``, ``Entry``,
  ``Stat``) and the error of a partial delete;
- ``delete.py``: batched, concurrent DeleteObjects, with a fallback to single
  deletes for stores without it;
- ``scan.py``: streamed listings (``scandir``) and ``delete_prefix``;
- ``copy.py``: server-side ``copy`` and ``move`` (CopyObject, or a parallel
  multipart copy), create-only destinations;
- ``cleanup.py``: aborting stale multipart uploads, and reading the bucket's
  ``AbortIncompleteMultipartUpload`` lifecycle rule.

Like every capability folder they import the core, never the facade: the
storage arrives typed with the protocols below each module needs.
"""
