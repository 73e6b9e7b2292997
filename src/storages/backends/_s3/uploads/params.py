"""What S3 stores with a direct upload: the storage's upload parameters, as POST fields or headers.

The parameters are the ones ``save()`` sends (``_get_write_parameters()``:
``get_object_parameters(key)``, the content type guessed from the name,
``default_acl``), with the caller's ``content_type`` and ``metadata`` on top.
``gzip`` does not apply: S3 stores the bytes the browser sends.

botocore's own serializer turns them into the PutObject headers (so values
are formatted as botocore sends them: dates, booleans, ``x-amz-meta-*``).
A presigned PUT signs those headers; a POST policy pins each as a form field
of the same name (``x-amz-acl`` is the ``acl`` field). A parameter that the
upload cannot carry is refused, naming it and the fix, never dropped: a
POST form has no field for some headers (``Content-Language``, grants,
object lock), and no direct upload may hand the browser an SSE-C key.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

from botocore.serialize import create_serializer
from django.core.exceptions import ImproperlyConfigured

from .storage import UploadStorage

__all__ = [
    "CUSTOMER_KEY_PARAMS",
    "POST_FIELDS",
    "UploadParameters",
    "post_fields",
    "put_headers",
    "refuse",
    "upload_parameters",
]

#: SSE-C: the browser would have to send the customer's encryption key itself.
CUSTOMER_KEY_PARAMS = frozenset({"SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5"})

#: Upload parameters a POST policy carries, with their form field (S3's POST
#: Object reference). ``Metadata`` becomes ``x-amz-meta-*`` fields.
POST_FIELDS: Mapping[str, str] = {
    "ACL": "acl",
    "CacheControl": "Cache-Control",
    "ContentDisposition": "Content-Disposition",
    "ContentEncoding": "Content-Encoding",
    "ContentType": "Content-Type",
    "Expires": "Expires",
    "Metadata": "x-amz-meta-",
    "StorageClass": "x-amz-storage-class",
    "ServerSideEncryption": "x-amz-server-side-encryption",
    "SSEKMSKeyId": "x-amz-server-side-encryption-aws-kms-key-id",
    "SSEKMSEncryptionContext": "x-amz-server-side-encryption-context",
    "BucketKeyEnabled": "x-amz-server-side-encryption-bucket-key-enabled",
    "WebsiteRedirectLocation": "x-amz-website-redirect-location",
}


@dataclass(frozen=True)
class UploadParameters:
    """The PutObject parameters of one upload, and its content type prefix if it has one."""

    key: str
    params: Mapping[str, Any]
    #: A ``type/`` prefix (POST only): the policy accepts any Content-Type starting with it.
    content_type_prefix: str | None = None


def refuse(operation: str, param: str, key: str, reason: str, fix: str) -> ImproperlyConfigured:
    """Return the error for an upload parameter ``operation`` cannot send."""
    return ImproperlyConfigured(
        f"{operation}() cannot send {param!r} from get_object_parameters({key!r}) "
        f"(object_parameters / AWS_S3_OBJECT_PARAMETERS): {reason}. {fix}"
    )


def _content_type(value: object, operation: str, allow_prefix: bool) -> tuple[str, bool]:
    """Return ``value`` and whether it is a ``type/`` prefix; raise ValueError if malformed."""
    text = value if isinstance(value, str) else ""
    kind, slash, subtype = text.partition("/")
    if not (kind and slash) or text != text.strip() or any(ord(c) < 32 for c in text):
        shape = "'type/subtype' or a 'type/' prefix" if allow_prefix else "'type/subtype'"
        raise ValueError(f"{operation}() takes content_type as {shape}, not {value!r}.")
    if subtype:
        return text, False
    if not allow_prefix:
        raise ValueError(
            f"{operation}() signs one exact Content-Type, and {text!r} is a prefix: pass the "
            f"file's own type (such as {text + 'png'!r}), or use presigned_post(), whose "
            f"policy can accept every type starting with {text!r}."
        )
    return text, True


def upload_parameters(
    storage: UploadStorage,
    key: str,
    operation: str,
    *,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
    allow_prefix: bool = False,
) -> UploadParameters:
    """Return the parameters S3 stores with a direct upload to ``key``.

    Raises ValueError for a malformed ``content_type`` or ``metadata``, and
    ImproperlyConfigured for SSE-C parameters.
    """
    params = storage._get_write_parameters(key)
    prefix = None
    if content_type is not None:
        content_type, is_prefix = _content_type(content_type, operation, allow_prefix)
        params["ContentType"] = content_type
        if is_prefix:
            prefix = params.pop("ContentType")
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError(f"{operation}() takes metadata as a dict of str to str.")
        params["Metadata"] = {**params.get("Metadata", {}), **metadata}
    for param in sorted(CUSTOMER_KEY_PARAMS.intersection(params)):
        raise refuse(
            operation,
            param,
            key,
            "the browser would have to send the customer-provided encryption key (SSE-C)",
            "Upload such files through the server (save()), or encrypt direct uploads with "
            "ServerSideEncryption (SSE-S3 or SSE-KMS).",
        )
    return UploadParameters(key, params, prefix)


def _operation_headers(client: Any, operation: str, params: Mapping[str, Any]) -> dict[str, str]:
    """Return the headers botocore sends for ``params`` in ``operation`` (validated)."""
    model = client.meta.service_model
    serializer = create_serializer(model.metadata["protocol"], include_validation=True)
    request = serializer.serialize_to_request(
        {"Bucket": "bucket", "Key": "key", **params}, model.operation_model(operation)
    )
    return dict(request["headers"])


def header_params(client: Any, operation: str) -> Set[str]:
    """Return the parameters of ``operation`` that botocore sends as headers."""
    members = client.meta.service_model.operation_model(operation).input_shape.members
    return frozenset(
        name
        for name, shape in members.items()
        if shape.serialization.get("location") in ("header", "headers")
    )


def put_headers(upload: UploadParameters, client: Any, operation: str) -> dict[str, str]:
    """Return the PutObject headers of ``upload``; refuse parameters PutObject does not take."""
    allowed = header_params(client, "PutObject")
    for param in sorted(set(upload.params) - allowed):
        raise refuse(
            operation,
            param,
            upload.key,
            "a PutObject request takes no such header",
            "Remove it from the parameters of direct uploads.",
        )
    return _operation_headers(client, "PutObject", upload.params)


def post_fields(upload: UploadParameters, client: Any) -> dict[str, str]:
    """Return the POST form fields carrying ``upload``'s parameters (the policy pins each)."""
    for param in sorted(set(upload.params) - set(POST_FIELDS)):
        raise refuse(
            "presigned_post",
            param,
            upload.key,
            "an S3 POST policy has no form field for it",
            "Leave it out of the parameters of direct uploads (get_object_parameters() can "
            "return other parameters for them), or upload with presigned_put(), which signs "
            "it as a header.",
        )
    members = client.meta.service_model.operation_model("PutObject").input_shape.members
    headers = {
        name.lower(): value
        for name, value in _operation_headers(client, "PutObject", upload.params).items()
    }
    fields: dict[str, str] = {}
    for param, field in POST_FIELDS.items():
        if param == "Metadata":
            fields.update(
                (name, value) for name, value in headers.items() if name.startswith(field)
            )
        elif param in upload.params:
            fields[field] = headers[members[param].serialization["name"].lower()]
    return fields
