"""CloudFront URL signing with a pluggable RSA backend.

A *signer* is any object with botocore's ``CloudFrontSigner`` interface,
``generate_presigned_url(url, date_less_than=None, policy=None)``. A *signer
factory* turns a key pair id and a PEM private key into a signer. One factory
exists per RSA library; :func:`signer_from_pem` picks the first library that
imports, at call time (nothing is chosen at import). ``S3Storage`` keeps the
signers it builds from its settings in a bounded :class:`SignerCache`.

CloudFront signatures are RSA PKCS#1 v1.5 over SHA-1, which is deterministic:
both backends produce identical URLs for the same key, and the same URLs as
botocore's ``CloudFrontSigner``.
"""

from __future__ import annotations

import json
import threading
from base64 import b64encode
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from datetime import datetime
from hashlib import sha256
from typing import Protocol, runtime_checkable

from botocore.signers import CloudFrontSigner
from botocore.utils import datetime2timestamp
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "NO_RSA_BACKEND_MESSAGE",
    "CannedPolicySigner",
    "Signer",
    "SignerCache",
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


class SignerCache(MutableMapping[str, "Signer | None"]):
    """The signers built from key pairs: at most ``size``, the least recently used dropped.

    Keys are :meth:`key_for` digests, so no key text is ever a key of the
    cache (the signers hold the parsed keys, as they must). Every operation
    is thread-safe, and :meth:`setdefault` is atomic: threads that build a
    signer for the same key pair at once all get the one stored first.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._signers: OrderedDict[str, Signer | None] = OrderedDict()

    @staticmethod
    def key_for(key_id: str, pem: str | bytes) -> str:
        """Return the cache key of a key pair: a SHA-256 hex digest of its id and key."""
        id_bytes = key_id.encode("utf-8", "surrogatepass")
        key_bytes = pem.encode("utf-8", "surrogatepass") if isinstance(pem, str) else pem
        # The id's length first, so that no other (id, key) split gives the same bytes.
        return sha256(b"%d:%b%b" % (len(id_bytes), id_bytes, key_bytes)).hexdigest()

    def __getitem__(self, key: str) -> Signer | None:
        with self._lock:
            self._signers.move_to_end(key)
            return self._signers[key]

    def __setitem__(self, key: str, signer: Signer | None) -> None:
        with self._lock:
            self._store(key, signer)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._signers[key]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._signers))

    def __len__(self) -> int:
        return len(self._signers)

    def setdefault(self, key: str, default: Signer | None = None) -> Signer | None:
        """Return the signer stored for ``key``, storing ``default`` first if there is none."""
        with self._lock:
            if key in self._signers:
                self._signers.move_to_end(key)
                return self._signers[key]
            self._store(key, default)
            return default

    def _store(self, key: str, signer: Signer | None) -> None:
        self._signers[key] = signer
        self._signers.move_to_end(key)
        while len(self._signers) > self.size:
            self._signers.popitem(last=False)
