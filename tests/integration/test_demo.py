"""The demo site end to end: start it, upload through the form, download, restart, stop."""

from __future__ import annotations

import contextlib
import html
import http.cookiejar
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from storages.testing.seaweedfs import free_port

pytestmark = pytest.mark.integration

RUN = Path(__file__).resolve().parents[2] / "example" / "run.py"
#: Starting takes SeaweedFS, collectstatic and runserver; a loaded CI machine is slow.
START_TIMEOUT = 120
#: Stopping takes the development server and SeaweedFS (about 2 s on SIGTERM). The
#: demo itself waits up to 15 s for each before killing it, 30 s in all: allow more.
STOP_TIMEOUT = 60


class Demo:
    """``example/run.py`` as a child process, its output collected by a thread."""

    def __init__(self, data_dir: Path, port: int, reload: bool) -> None:
        self.port = port
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        command = [sys.executable, str(RUN), "--port", str(port)]
        if not reload:
            command.append("--noreload")
        self.process = subprocess.Popen(
            [*command, "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.s3_pid = int(self.wait_for(r"S3 server \(SeaweedFS\) at \S+, pid (\d+),")[1])

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """Return the match of the first new output line matching ``pattern``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                pytest.fail(f"no line matching {pattern!r}; output:\n" + "\n".join(self.output))
            self.output.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def stop(self, signum: int) -> int:
        """Send ``signum`` to the launcher and return its exit status."""
        self.process.send_signal(signum)
        status = self.process.wait(timeout=STOP_TIMEOUT)
        self.wait_for(rf"^Stopped the S3 server \(pid {self.s3_pid}\)\.$", timeout=5)
        return status

    def kill(self) -> None:
        """Clean up after a failed test: the launcher, then the S3 server it started."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.s3_pid, signal.SIGKILL)


@contextlib.contextmanager
def running_demo(data_dir: Path, reload: bool = False) -> Iterator[tuple[Demo, str]]:
    port = free_port()
    demo = Demo(data_dir, port, reload)
    try:
        demo.wait_for(rf"The demo is running: open (http://127\.0\.0\.1:{port}/) \(Ctrl-C")
        yield demo, f"http://127.0.0.1:{port}/"
    finally:
        demo.kill()


def browser() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def get(url: str, opener: urllib.request.OpenerDirector | None = None) -> bytes:
    with (opener or browser()).open(url, timeout=30) as response:
        assert response.status == 200
        return bytes(response.read())


def upload(site: str, filename: str, data: bytes) -> str:
    """Post ``data`` through the page's form as a browser would; return the page shown next."""
    opener = browser()
    form = get(site, opener).decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n',
            token[1].encode() + b"\r\n",
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'.encode(),
            b"Content-Type: application/octet-stream\r\n\r\n",
            data + b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(  # noqa: S310 - the demo's own http://127.0.0.1 URL
        site, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    return _post(opener, request)


def _post(opener: urllib.request.OpenerDirector, request: urllib.request.Request) -> str:
    # urllib follows the 302 after the POST with a GET, as a browser does.
    with opener.open(request, timeout=30) as response:
        assert response.status == 200
        assert re.search(r"\?saved=uploads%2F", response.url)
        return str(response.read().decode())


def listed_files(page: str) -> dict[str, tuple[str, str]]:
    """Return each listed file's size and presigned URL, by name."""
    rows = re.findall(
        r"<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td><a class=\"file\" href=\"([^\"]+)\">", page
    )
    return {name: (size, html.unescape(url)) for name, size, url in rows}


def check_static(page: str) -> None:
    """The stylesheet has its hashed name on the static bucket, and S3 serves it."""
    match = re.search(r'<link rel="stylesheet" href="([^"]+)">', page)
    assert match is not None
    url = match[1]
    assert re.fullmatch(
        r"http://127\.0\.0\.1:\d+/demo-static/static/demo_site/demo\.[0-9a-f]{12}\.css", url
    )
    css = get(url).decode()
    # collectstatic rewrote the stylesheet's url() to the image's hashed name.
    assert re.search(r'url\("bucket\.[0-9a-f]{12}\.svg"\)', css)


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_end_to_end(tmp_path: Path) -> None:
    data = os.urandom(2048) + "résumé\n".encode()
    with running_demo(tmp_path / "data") as (demo, site):
        page = upload(site, "report 2026.bin", data)
        files = listed_files(page)
        assert list(files) == ["report_2026.bin"]
        size, url = files["report_2026.bin"]
        assert size == "2.0\xa0KB"
        assert "X-Amz-Signature=" in url
        assert get(url) == data
        check_static(page)
        assert demo.stop(signal.SIGINT) == 0
        assert not process_exists(demo.s3_pid)
        assert not is_listening(demo.port)

    # The data directory persists: a second run lists and serves the same file.
    with running_demo(tmp_path / "data") as (demo, site):
        page = get(site).decode()
        files = listed_files(page)
        assert list(files) == ["report_2026.bin"]
        assert get(files["report_2026.bin"][1]) == data
        check_static(page)
        assert demo.stop(signal.SIGTERM) == 0
        assert not process_exists(demo.s3_pid)
        assert not is_listening(demo.port)


def test_demo_with_the_autoreloader_stops_every_process(tmp_path: Path) -> None:
    # runserver's autoreloader runs the site in a child process; Ctrl-C must stop both.
    with running_demo(tmp_path / "data", reload=True) as (demo, site):
        assert "Watching for file changes with StatReloader" in demo.output
        assert b"Nothing yet: upload a file above." in get(site)
        assert demo.stop(signal.SIGINT) == 0
        assert not process_exists(demo.s3_pid)
        assert not is_listening(demo.port)
