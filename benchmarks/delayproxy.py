"""A loopback TCP proxy that adds a fixed delay to every HTTP request it forwards.

Run:  python benchmarks/delayproxy.py --target-port 8333 --delay-ms 20

It prints the port it listens on (one line), then forwards each connection
to 127.0.0.1:--target-port. The first bytes of each request (the first data
from the client after the previous answer, or after connecting) wait
--delay-ms before they go on: every request, on a new or a kept-alive
connection, gets the same added time to its first byte, as a store
reached over a network would. A request's body and the answers are not
slowed. It runs in its own process, so that its threads never compete with
the measured code for the GIL; it stops when its standard input closes.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading
import time


class _Connection:
    """One client connection and its upstream connection, copied both ways."""

    def __init__(self, client: socket.socket, target_port: int, delay: float) -> None:
        self._client = client
        self._upstream = socket.create_connection(("127.0.0.1", target_port))
        for sock in (client, self._upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._delay = delay
        self._new_request = True  # the next client bytes start a request

    def start(self) -> None:
        threading.Thread(target=self._requests, daemon=True).start()
        threading.Thread(target=self._answers, daemon=True).start()

    def _requests(self) -> None:
        try:
            while data := self._client.recv(65536):
                if self._new_request:
                    self._new_request = False
                    time.sleep(self._delay)
                self._upstream.sendall(data)
        except OSError:
            pass
        finally:
            self._close()

    def _answers(self) -> None:
        try:
            while data := self._upstream.recv(65536):
                self._new_request = True
                self._client.sendall(data)
        except OSError:
            pass
        finally:
            self._close()

    def _close(self) -> None:
        for sock in (self._client, self._upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def serve(target_port: int, delay: float) -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=256)
    print(listener.getsockname()[1], flush=True)

    def accept() -> None:
        while True:
            client, _ = listener.accept()
            _Connection(client, target_port, delay).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()  # until the parent closes our input


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=20.0)
    args = parser.parse_args()
    serve(args.target_port, args.delay_ms / 1000)


if __name__ == "__main__":
    main()
