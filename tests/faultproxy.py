"""A fault-injecting HTTP proxy for tests: sits between boto3 and SeaweedFS on loopback.

Each client connection carries one request: the proxy forces ``Connection:
close`` both ways, so a fault applies to exactly one request. Faults are
queued with a predicate on the request line and are used up in order.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Predicate = Callable[[str, str], bool]

_HEAD_END = b"\r\n\r\n"
_MAX_HEAD = 64 * 1024


@dataclass
class Fault:
    """What to do to one matching request.

    kind: ``"drop_request"`` (close after reading part of the request),
    ``"drop_response"`` (close after relaying part of the response),
    ``"delay"`` (wait ``seconds`` before forwarding), ``"status"`` (answer
    ``status`` with an S3 error ``code`` without forwarding), ``"truncate"``
    (relay the response head and only ``keep`` bytes of its body, then close).
    """

    kind: str
    method: str | None = None
    path_pattern: str | None = None
    status: int = 500
    code: str = "InternalError"
    seconds: float = 0.0
    keep: int = 0
    times: int = 1
    hits: int = field(default=0, init=False)

    def matches(self, method: str, target: str) -> bool:
        """Return True if this fault applies to a request."""
        if self.method is not None and method != self.method:
            return False
        return self.path_pattern is None or re.search(self.path_pattern, target) is not None


def _read_head(sock: socket.socket, buffer: bytearray) -> bytes | None:
    while _HEAD_END not in buffer:
        if len(buffer) > _MAX_HEAD:
            return None
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    end = buffer.index(_HEAD_END) + len(_HEAD_END)
    head = bytes(buffer[:end])
    del buffer[:end]
    return head


def _content_length(head: bytes) -> int:
    match = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
    return int(match.group(1)) if match else 0


def _force_close(head: bytes) -> bytes:
    lines = head[: -len(_HEAD_END)].split(b"\r\n")
    kept = [line for line in lines if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*kept, b"Connection: close"]) + _HEAD_END


class FaultProxy:
    """A TCP proxy to ``upstream_port`` on 127.0.0.1 that injects queued faults."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.injected: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        # accept() wakes up regularly so close() can stop the loop promptly.
        self._server.settimeout(0.2)
        self.port: int = self._server.getsockname()[1]
        self._stopping = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        """The URL boto3 should use."""
        return f"http://127.0.0.1:{self.port}"

    def add(self, fault: Fault) -> Fault:
        """Queue ``fault``; it applies to the next ``fault.times`` matching requests."""
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget queued faults and recorded requests."""
        with self._lock:
            self.faults.clear()
            self.requests.clear()
            self.injected.clear()

    def close(self) -> None:
        """Stop accepting connections."""
        self._stopping = True
        with contextlib.suppress(OSError):
            self._server.close()
        self._thread.join(timeout=5)

    def _take_fault(self, method: str, target: str) -> Fault | None:
        with self._lock:
            self.requests.append((method, target))
            for fault in self.faults:
                if fault.hits < fault.times and fault.matches(method, target):
                    fault.hits += 1
                    self.injected.append((fault.kind, method, target))
                    return fault
        return None

    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.closing(client):
            client.settimeout(30)
            with contextlib.suppress(OSError):
                self._relay(client)

    def _relay(self, client: socket.socket) -> None:
        buffer = bytearray()
        head = _read_head(client, buffer)
        if head is None:
            return
        method, target = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2]
        fault = self._take_fault(method, target)
        length = _content_length(head)
        if fault is not None and fault.kind == "drop_request":
            # Read some of the body so the client is mid-send, then vanish.
            with contextlib.suppress(OSError):
                client.recv(min(length, 65536) or 1)
            client.shutdown(socket.SHUT_RDWR)
            return
        while len(buffer) < length:
            chunk = client.recv(min(1 << 20, length - len(buffer)))
            if not chunk:
                return
            buffer += chunk
        if fault is not None and fault.kind == "status":
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault.code}</Code>'
                f"<Message>Injected by the test proxy</Message></Error>"
            ).encode()
            reason = "Service Unavailable" if fault.status == 503 else "Error"
            client.sendall(
                f"HTTP/1.1 {fault.status} {reason}\r\nContent-Type: application/xml\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as upstream:
            upstream.sendall(_force_close(head) + bytes(buffer[:length]))
            self._relay_response(upstream, client, fault)

    def _relay_response(
        self, upstream: socket.socket, client: socket.socket, fault: Fault | None
    ) -> None:
        buffer = bytearray()
        head = _read_head(upstream, buffer)
        if head is None:
            return
        if fault is not None and fault.kind == "drop_response":
            client.sendall(head[: len(head) // 2])
            client.shutdown(socket.SHUT_RDWR)
            return
        client.sendall(_force_close(head))
        budget = fault.keep if fault is not None and fault.kind == "truncate" else None
        while True:
            if budget is not None:
                if budget <= 0:
                    client.shutdown(socket.SHUT_RDWR)
                    return
                piece = bytes(buffer[:budget])
                budget -= len(piece)
            else:
                piece = bytes(buffer)
            if piece:
                client.sendall(piece)
            buffer.clear()
            chunk = upstream.recv(1 << 20)
            if not chunk:
                return
            buffer += chunk
