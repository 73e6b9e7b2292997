"""Direct uploads: the browser sends a file straight to S3, signed by the storage.

The storage names the object (:mod:`.names`), decides what S3 must store
with it (:mod:`.params`: the content type and the storage's upload
parameters, as POST form fields or as signed PUT headers), and signs:

- :mod:`.presigned`: a POST policy for an HTML form (exact key, content
  type, size range) or a PUT URL whose headers are signed;
- :mod:`.multipart`: a multipart upload started on the server, presigned
  part URLs the browser sends in parallel, completed or aborted on the
  server.

Nothing here keeps state between calls: what a later call needs (the name,
the upload id) is returned to the caller, which must keep it out of the
browser's reach to change (a signed token, a session).
"""
