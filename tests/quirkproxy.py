"""A proxy in front of SeaweedFS that refuses what an S3-compatible store documents it refuses.

SeaweedFS accepts everything boto3 sends. Each :class:`Quirks` describes one
store's refusals, each with the HTTP status and S3 error code that store
answers: boto3's flexible checksums (``x-amz-sdk-checksum-algorithm``,
``x-amz-checksum-*``, ``aws-chunked`` bodies), DeleteObjects without
Content-MD5 or at all, canned ACLs, multipart uploads whose parts differ in
size, ``If-None-Match``. Everything else is forwarded (see ``faultproxy``).
Tests use it to prove a provider profile sends only what its store takes,
and that boto3's defaults (``provider="aws"``) do not.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from faultproxy import FaultProxy, _content_length, _force_close, _read_head

#: An answer: HTTP status and S3 error code.
Answer = tuple[int, str]

NOT_IMPLEMENTED: Answer = (501, "NotImplemented")
INVALID_ARGUMENT: Answer = (400, "InvalidArgument")


@dataclass(frozen=True)
class Quirks:
    """What one store refuses, and how it answers (None: accepted)."""

    name: str
    #: A flexible checksum header, or an aws-chunked body with a checksum trailer.
    flexible_checksums: Answer | None = None
    #: DeleteObjects without Content-MD5.
    delete_without_md5: Answer | None = None
    #: DeleteObjects at all.
    delete_objects: Answer | None = None
    #: A canned ACL (``x-amz-acl``) on an upload.
    acl: Answer | None = None
    #: A CompleteMultipartUpload whose parts (but the last) differ in size.
    unequal_parts: Answer | None = None
    #: ``If-None-Match`` on a write.
    if_none_match: Answer | None = None


#: Stores that predate flexible checksums: they refuse the headers and want
#: Content-MD5 on DeleteObjects (old MinIO, Ceph, OVH...).
CLASSIC = Quirks(
    "classic",
    flexible_checksums=INVALID_ARGUMENT,
    delete_without_md5=(400, "MissingContentMD5"),
)

#: The emulator of each provider profile (what its store documents it refuses).
EMULATORS: dict[str, Quirks] = {
    "s3-compatible": CLASSIC,
    "r2": Quirks(
        "r2",
        flexible_checksums=NOT_IMPLEMENTED,
        acl=NOT_IMPLEMENTED,
        unequal_parts=(400, "InvalidPart"),
    ),
    "b2": Quirks(
        "b2",
        flexible_checksums=INVALID_ARGUMENT,
        acl=INVALID_ARGUMENT,
        delete_without_md5=(400, "MissingContentMD5"),
    ),
    "gcs": Quirks(
        "gcs",
        flexible_checksums=INVALID_ARGUMENT,
        delete_objects=(400, "NotImplemented"),
        acl=INVALID_ARGUMENT,
    ),
    "minio": Quirks(
        "minio",
        flexible_checksums=INVALID_ARGUMENT,
        delete_without_md5=(400, "MissingContentMD5"),
        acl=NOT_IMPLEMENTED,
    ),
    "ceph": Quirks(
        "ceph",
        flexible_checksums=(411, "MissingContentLength"),
        delete_without_md5=(400, "InvalidDigest"),
    ),
    "seaweedfs": CLASSIC,
    "digitalocean": CLASSIC,
    "wasabi": CLASSIC,
    "scaleway": CLASSIC,
    "ovh": CLASSIC,
    "linode": CLASSIC,
    "hetzner": CLASSIC,
    "oracle": Quirks(
        "oracle",
        flexible_checksums=INVALID_ARGUMENT,
        delete_without_md5=(400, "MissingContentMD5"),
        acl=INVALID_ARGUMENT,
    ),
    "ibm": CLASSIC,
    "garage": Quirks(
        "garage",
        flexible_checksums=INVALID_ARGUMENT,
        delete_without_md5=(400, "MissingContentMD5"),
        acl=NOT_IMPLEMENTED,
        if_none_match=NOT_IMPLEMENTED,
    ),
}

_CHECKSUM_HEADER = re.compile(r"^x-amz-checksum-|^x-amz-sdk-checksum-algorithm$|^x-amz-trailer$")


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    found: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            found[name.strip().lower()] = value.strip()
    return found


class QuirkProxy(FaultProxy):
    """A :class:`FaultProxy` that also refuses what ``quirks`` says, as the store would."""

    def __init__(
        self, upstream_port: int, quirks: Quirks, tls: ssl.SSLContext | None = None
    ) -> None:
        self.quirks = quirks
        #: With a server-side TLS context, clients speak HTTPS to the proxy (boto3
        #: then sends aws-chunked bodies); SeaweedFS behind it is still plain HTTP.
        self.tls = tls
        #: Each refusal: (rule, code, method, target); the rule is a field of Quirks.
        self.refused: list[tuple[str, str, str, str]] = []
        #: The headers of each refused request, in the same order.
        self.refused_headers: list[dict[str, str]] = []
        self._parts: dict[str, dict[int, int]] = {}
        self._parts_lock = threading.Lock()
        super().__init__(upstream_port)

    @property
    def endpoint_url(self) -> str:
        """The URL boto3 should use (https://localhost:PORT with TLS)."""
        if self.tls is None:
            return f"http://127.0.0.1:{self.port}"
        return f"https://localhost:{self.port}"

    def _serve(self, client: socket.socket) -> None:
        if self.tls is not None:
            try:
                client = self.tls.wrap_socket(client, server_side=True)
            except (OSError, ssl.SSLError):
                client.close()
                return
        super()._serve(client)

    def _refusal(
        self, method: str, target: str, headers: dict[str, str]
    ) -> tuple[str, Answer] | None:
        quirks = self.quirks
        query = parse_qs(urlsplit(target).query, keep_blank_values=True)
        writes = method in ("PUT", "POST")
        if quirks.flexible_checksums and writes:
            chunked = "aws-chunked" in headers.get("content-encoding", "") or headers.get(
                "x-amz-content-sha256", ""
            ).startswith("STREAMING-")
            if chunked or any(_CHECKSUM_HEADER.search(name) for name in headers):
                return "flexible_checksums", quirks.flexible_checksums
        if method == "POST" and "delete" in query:
            if quirks.delete_objects:
                return "delete_objects", quirks.delete_objects
            if quirks.delete_without_md5 and "content-md5" not in headers:
                return "delete_without_md5", quirks.delete_without_md5
        if quirks.acl and writes and "x-amz-acl" in headers:
            return "acl", quirks.acl
        if quirks.if_none_match and writes and "if-none-match" in headers:
            return "if_none_match", quirks.if_none_match
        if method == "PUT" and "uploadId" in query and "partNumber" in query:
            size = int(headers.get("x-amz-decoded-content-length") or headers["content-length"])
            with self._parts_lock:
                uploads = self._parts.setdefault(query["uploadId"][0], {})
                uploads[int(query["partNumber"][0])] = size
        if quirks.unequal_parts and method == "POST" and "uploadId" in query:
            with self._parts_lock:
                sizes = self._parts.pop(query["uploadId"][0], {})
            leading = [sizes[number] for number in sorted(sizes)][:-1]
            if len(set(leading)) > 1 or (leading and sizes[max(sizes)] > leading[0]):
                return "unequal_parts", quirks.unequal_parts
        return None

    def _relay(self, client: socket.socket) -> None:
        buffer = bytearray()
        head = _read_head(client, buffer)
        if head is None:
            return
        method, target = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2]
        refusal = self._refusal(method, target, _headers(head))
        if refusal is None:
            self._forward(client, head, buffer, method, target)
            return
        rule, (status, code) = refusal
        self._drain(client, head, buffer)
        with self._lock:
            self.refused.append((rule, code, method, target))
            self.refused_headers.append(_headers(head))
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>Refused by the {self.quirks.name} emulator</Message></Error>"
        ).encode()
        client.sendall(
            f"HTTP/1.1 {status} Refused\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_RDWR)

    def _drain(self, client: socket.socket, head: bytes, buffer: bytearray) -> None:
        # Read the body the client is sending (unless it waits for 100-continue), so
        # that the refusal reaches it instead of a connection reset it would retry.
        headers = _headers(head)
        if "100-continue" in headers.get("expect", "").lower():
            return
        length = _content_length(head)
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        client.settimeout(2)
        with contextlib.suppress(OSError):
            while len(buffer) < length or (chunked and not buffer.endswith(b"0\r\n\r\n")):
                chunk = client.recv(1 << 20)
                if not chunk:
                    break
                buffer += chunk
                if chunked and b"\r\n0\r\n" in buffer and buffer.endswith(b"\r\n\r\n"):
                    break

    def _forward(
        self, client: socket.socket, head: bytes, buffer: bytearray, method: str, target: str
    ) -> None:
        with self._lock:
            self.requests.append((method, target))
        if "100-continue" in _headers(head).get("expect", "").lower():
            # Answer the interim response here (the store would) and forward no Expect
            # (it is not signed): the body then follows at once.
            client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            lines = head.split(b"\r\n")
            head = b"\r\n".join(line for line in lines if not line.lower().startswith(b"expect:"))
        length = _content_length(head)
        while len(buffer) < length:
            chunk = client.recv(min(1 << 20, length - len(buffer)))
            if not chunk:
                return
            buffer += chunk
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as upstream:
            upstream.sendall(_force_close(head) + bytes(buffer[:length]))
            self._relay_response(upstream, client, None)
