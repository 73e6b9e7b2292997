"""A real browser uploads through the demo, straight to SeaweedFS: headless Chromium and Playwright.

Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``scripts/test.sh``)
loads the demo page, picks a file in the direct upload widget, sends it to
the S3 server (a POST policy below 8 MB; parts of 5 MB, four at a time,
above), and submits the form: the page then lists the file, whose bytes the
presigned URL serves. The upload speed is throttled (Chrome DevTools'
network emulation) so that the widget is seen mid-upload, progress events
and all; a screenshot of that moment is saved in the test's temp dir.
Cancelling a multipart upload aborts it.

Marked ``browser``: ``scripts/test.sh --matrix`` runs it in one entry only.
It fails, never skips, when Chromium is missing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright
from test_demo import get, listed_files, running_demo

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = os.environ.get("S3STORAGES_CHROMIUM", "/usr/bin/chromium")
MIB = 1024 * 1024
#: Milliseconds to wait for an upload (throttled to a few MB/s) or a page.
TIMEOUT = 120_000

#: Record the widget's events, from before the page's own scripts run.
RECORD_EVENTS = """
window.uploadEvents = [];
for (const type of ["start", "progress", "done", "error"]) {
  document.addEventListener("directupload:" + type, (event) => {
    window.uploadEvents.push({type, ...event.detail});
  });
}
"""


@pytest.fixture(scope="module")
def browser_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium was not found at {CHROMIUM}: the browser test needs Debian's chromium "
            "package (scripts/test.sh installs it: apt-get install chromium), or "
            "S3STORAGES_CHROMIUM set to a Chromium binary."
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def demo_browser(tmp_path_factory, browser_path: str) -> Iterator[tuple[Browser, str]]:
    """The demo site, and headless Chromium: one of each for the module."""
    data = tmp_path_factory.mktemp("demo") / "data"
    with running_demo(data) as (_, site), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, headless=True)
        try:
            yield browser, site
        finally:
            browser.close()


@pytest.fixture
def demo_page(demo_browser) -> Iterator[tuple[Page, str, list[Request]]]:
    """The demo's page in a new browser context, and every request the page sends."""
    browser, site = demo_browser
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        requests: list[Request] = []
        page.on("request", lambda request: requests.append(request))
        page.add_init_script(RECORD_EVENTS)
        page.goto(site)
        yield page, site, requests
    finally:
        context.close()


def throttle_uploads(page: Page, bytes_per_second: int) -> None:
    """Limit how fast the page sends request bodies (Chrome DevTools' network emulation)."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    conditions = {"offline": False, "latency": 0, "downloadThroughput": -1}
    session.send(
        "Network.emulateNetworkConditions", {**conditions, "uploadThroughput": bytes_per_second}
    )


def events(page: Page, type_: str) -> list[dict[str, Any]]:
    return [event for event in page.evaluate("window.uploadEvents") if event["type"] == type_]


def wait_for_event(page: Page, type_: str) -> dict[str, Any]:
    page.wait_for_function(
        f"() => window.uploadEvents.some((event) => event.type === {type_!r})", timeout=TIMEOUT
    )
    return events(page, type_)[-1]


def pick(page: Page, path: Path) -> None:
    page.evaluate("window.uploadEvents.length = 0")
    page.set_input_files("#id_direct-file", str(path))


def check_progress(page: Page, size: int) -> None:
    """The progress events went from 0 to the whole file, never back, with steps between."""
    progress = [(event["loaded"], event["total"]) for event in events(page, "progress")]
    assert {total for _, total in progress} == {size}
    loaded = [value for value, _ in progress]
    assert loaded[0] == 0
    assert loaded[-1] == size
    assert loaded == sorted(loaded)
    assert len([value for value in loaded if 0 < value < size]) >= 3, loaded


def submit_and_check(page: Page, site: str, data: bytes, name: str) -> None:
    """Submit the form: the page lists the saved file, and S3 serves its bytes."""
    with page.expect_navigation():
        page.click("#direct-upload-form button[type=submit]")
    assert page.url == site + "?saved=" + name.replace("/", "%2F")
    files = listed_files(page.content())
    _, url = files[name.removeprefix("uploads/")]
    assert get(url) == data


def test_the_browser_uploads_straight_to_s3_with_progress(demo_page, tmp_path):
    page, site, requests = demo_page
    s3 = re.search(r'<script src="(http://127\.0\.0\.1:\d+)/', page.content())[1]
    throttle_uploads(page, 3 * MIB)

    # Below 8 MB: one POST, with the policy's fields, to the bucket.
    small = tmp_path / "notes 2026.bin"
    small.write_bytes(data := os.urandom(2 * MIB))
    pick(page, small)
    done = wait_for_event(page, "done")
    assert re.fullmatch(r"uploads/notes_2026_[A-Za-z0-9]{7}\.bin", done["name"])
    check_progress(page, len(data))
    to_s3 = [request for request in requests if request.url.startswith(s3 + "/demo-media")]
    assert [(request.method, request.url) for request in to_s3] == [("POST", s3 + "/demo-media")]
    assert page.input_value("[name=direct-file_token]")
    submit_and_check(page, site, data, done["name"])
    # Django got the token, not the file.
    [form_post] = [
        request for request in requests if request.method == "POST" and request.url == site
    ]
    assert len(form_post.post_data_buffer or b"") < 10_000

    # Above 8 MB: three parts of at most 5 MB, four at a time, then complete.
    requests.clear()
    big = tmp_path / "video.mp4"
    big.write_bytes(data := os.urandom(12 * MIB))
    throttle_uploads(page, 3 * MIB)
    pick(page, big)
    page.wait_for_function(
        "() => window.uploadEvents.some((e) => e.type === 'progress' && e.loaded > 4 * 1024 * 1024)"
    )
    screenshot = tmp_path / "mid-upload.png"
    page.screenshot(path=str(screenshot))
    print(f"\nscreenshot mid-upload: {screenshot}")
    assert (
        0 < float(page.eval_on_selector("[data-direct-upload-progress]", "bar => bar.value")) < 100
    )
    assert re.fullmatch(r"\d+% of 12\.0 MB", page.inner_text("[data-direct-upload-status]"))
    assert page.is_visible("[data-direct-upload-cancel]")
    done = wait_for_event(page, "done")
    check_progress(page, len(data))
    parts = sorted(
        int(re.search(r"partNumber=(\d+)", request.url)[1])
        for request in requests
        if request.method == "PUT" and request.url.startswith(s3)
    )
    assert parts == [1, 2, 3]
    views = [
        request.url.removeprefix(site)
        for request in requests
        if request.url.startswith(site + "uploads/")
    ]
    assert views == ["uploads/sign/", "uploads/parts/", "uploads/complete/"]
    submit_and_check(page, site, data, done["name"])
    print(f"uploaded {done['name']} in 3 parts; the page lists it and S3 serves its bytes")


def test_cancelling_a_multipart_upload_aborts_it(demo_page, tmp_path):
    page, site, _ = demo_page
    throttle_uploads(page, 1 * MIB)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 * MIB))
    pick(page, big)
    page.wait_for_function(
        "() => window.uploadEvents.some((e) => e.type === 'progress' && e.loaded > 0)"
    )
    with page.expect_response(site + "uploads/abort/") as aborted:
        page.click("[data-direct-upload-cancel]")
    # (Reading the body here would wait for the throttled network to settle.)
    assert aborted.value.status == 200
    assert aborted.value.request.post_data_json["token"]
    assert wait_for_event(page, "error")["message"] == "Upload cancelled."
    assert page.input_value("[name=direct-file_token]") == ""
    page.reload()
    assert not [name for name in listed_files(page.content()) if name.startswith("big_")]
