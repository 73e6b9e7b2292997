"""CloudFront URL signing with a pluggable RSA backend.

A *signer* is any object with botocore's ``CloudFrontSigner`` interface,
``generate_presigned_url(url, date_less_than=None, policy=None)``. A *signer
factory* turns a key pair id and a PEM private key into a signer. One factory
exists per RSA library; :func:`signer_from_pem` picks the first library that
imports, at call time (nothing is chosen at import).

CloudFront signatures are RSA PKCS#1 v1.5 over SHA-1, which is deterministic:
both backends produce identical URLs for the same key, and the same URLs as
botocore's ``CloudFrontSigner``.
"""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from botocore.signers import CloudFrontSigner
from botocore.utils import datetime2timestamp
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "NO_RSA_BACKEND_MESSAGE",
    "CannedPolicySigner",
    "Signer",
    "SignerFactory",
    "cryptography_signer_factory",
    "rsa_signer_factory",
    "signer_from_pem",
]

NO_RSA_BACKEND_MESSAGE = (
    "An RSA backend is required for signing cloudfront URLs.\n"
    "Supported backends are packages: cryptography and rsa."
)

#: CloudFront's URL-safe base64: "+" "=" "/" become "-" "_" "~".
_CLOUDFRONT_B64 = bytes.maketrans(b"+=/", b"-_~")


@runtime_checkable
class Signer(Protocol):
    """What a CloudFront signer must provide (botocore's ``CloudFrontSigner`` does)."""

    def generate_presigned_url(
        self, url: str, date_less_than: datetime | None = None, policy: str | None = None
    ) -> str:
        """Return ``url`` signed with a canned policy expiring at ``date_less_than``."""


SignerFactory = Callable[[str, "str | bytes"], Signer]


class CannedPolicySigner(CloudFrontSigner):
    """botocore's ``CloudFrontSigner``, with a lighter canned-policy path.

    A canned policy (``date_less_than`` without ``policy``) is written
    directly instead of through ``OrderedDict`` and a full JSON encoder; the
    URL is byte-identical to the parent's. Custom policies use the parent.
    """

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_id={self.key_id!r})"

    def generate_presigned_url(
        self, url: str, date_less_than: datetime | None = None, policy: str | None = None
    ) -> str:
        """Return ``url`` signed for CloudFront (canned policy when only a date is given)."""
        if policy is not None or date_less_than is None:
            signed: str = super().generate_presigned_url(
                url, date_less_than=date_less_than, policy=policy
            )
            return signed
        expires = int(datetime2timestamp(date_less_than))
        # Key order and separators as in CloudFront's canned policy statement;
        # json.dumps escapes the URL exactly as it does inside the whole document.
        statement = (
            f'{{"Statement":[{{"Resource":{json.dumps(url)},'
            f'"Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}'
        )
        signature = b64encode(self.rsa_signer(statement.encode())).translate(_CLOUDFRONT_B64)
        separator = "&" if "?" in url else "?"
        return (
            f"{url}{separator}Expires={expires}"
            f"&Signature={signature.decode()}&Key-Pair-Id={self.key_id}"
        )


def _pem_bytes(pem: str | bytes) -> bytes:
    return pem.encode("ascii") if isinstance(pem, str) else pem


def cryptography_signer_factory() -> SignerFactory:
    """Return a factory that signs with the ``cryptography`` package.

    Raises ImportError when ``cryptography`` is not installed.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    pkcs1v15 = padding.PKCS1v15()
    sha1 = hashes.SHA1()  # noqa: S303 - CloudFront signatures are defined over SHA-1

    def factory(key_id: str, pem: str | bytes) -> Signer:
        key = load_pem_private_key(_pem_bytes(pem), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("The CloudFront key must be an RSA private key.")

        def rsa_sign(message: bytes) -> bytes:
            return key.sign(message, pkcs1v15, sha1)

        return CannedPolicySigner(key_id, rsa_sign)

    return factory


def rsa_signer_factory() -> SignerFactory:
    """Return a factory that signs with the pure-Python ``rsa`` package (PKCS#1 keys only).

    Raises ImportError when ``rsa`` is not installed.
    """
    import rsa

    def factory(key_id: str, pem: str | bytes) -> Signer:
        key = rsa.PrivateKey.load_pkcs1(_pem_bytes(pem))

        def rsa_sign(message: bytes) -> bytes:
            signature: bytes = rsa.sign(message, key, "SHA-1")
            return signature

        return CannedPolicySigner(key_id, rsa_sign)

    return factory


_FACTORY_LOADERS: tuple[Callable[[], SignerFactory], ...] = (
    cryptography_signer_factory,
    rsa_signer_factory,
)


def signer_from_pem(key_id: str, pem: str | bytes) -> Signer:
    """Build a signer with the first RSA library available (cryptography, then rsa).

    Raises ImproperlyConfigured when neither is installed.
    """
    for loader in _FACTORY_LOADERS:
        try:
            factory = loader()
        except ImportError:
            continue
        return factory(key_id, pem)
    raise ImproperlyConfigured(NO_RSA_BACKEND_MESSAGE)


def is_signer(value: Any) -> bool:
    """Return True if ``value`` can sign CloudFront URLs."""
    return callable(getattr(value, "generate_presigned_url", None))
