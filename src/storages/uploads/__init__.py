"""Direct uploads from browsers to S3, for Django forms (optional: add ``"storages.uploads"``).

- :mod:`storages.uploads.urls`: the JSON views the browser calls (sign,
  parts, complete, abort); include them in the project's URLs.
- :class:`~storages.uploads.fields.DirectUploadField` and its
  :class:`~storages.uploads.widgets.DirectUploadWidget`: a form field whose
  file goes straight to S3, with a progress bar, and whose ``clean()``
  checks the upload before the form names the file.
- :mod:`storages.uploads.policy`: the hook that decides who may upload
  what.

See the how-to "Let browsers upload directly to S3".
"""
