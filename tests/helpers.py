"""Small objects several test modules need."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class OneWayStream(io.RawIOBase):
    """A readable stream that cannot seek, like a pipe or a socket."""

    def __init__(self, data: bytes, piece: int | None = None) -> None:
        self._data = io.BytesIO(data)
        self._piece = piece

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer) -> int:
        size = len(buffer) if self._piece is None else min(len(buffer), self._piece)
        chunk = self._data.read(size)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def rsa_pem(pkcs8: bool = False) -> bytes:
    """Return a new 2048-bit RSA private key as PEM (PKCS#1 unless ``pkcs8``)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8
        if pkcs8
        else serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def put_objects(client, bucket: str, bodies: dict[str, bytes], workers: int = 8) -> None:
    """Store every ``key: body`` of ``bodies`` in ``bucket``, from a pool of threads."""

    def put(item: tuple[str, bytes]) -> None:
        client.put_object(Bucket=bucket, Key=item[0], Body=item[1])

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(put, bodies.items()))


def send(
    url: str, method: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Send one request as a browser would; return the status, headers and body."""
    request = urllib.request.Request(  # noqa: S310 - the test server's http://127.0.0.1 URL
        url, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def post_form(
    url: str, fields: dict[str, str], data: bytes, filename: str = "f"
) -> tuple[int, bytes]:
    """POST ``fields`` then the file, last, as ``multipart/form-data`` (an HTML form's POST)."""
    boundary = uuid.uuid4().hex
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _, body = send(
        url, "POST", b"".join(chunks), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    return status, body
