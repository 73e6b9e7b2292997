"""The commands' progress line: redrawn in place on a terminal, throttled, silent on a pipe."""

from __future__ import annotations

import io

import pytest
from django.core.management.base import OutputWrapper

from storages.management import progress
from storages.management.progress import ProgressLine


class Terminal(io.StringIO):
    """A StringIO that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A clock that stands still until moved."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(progress, "clock", fake)
    return fake


def test_a_known_total_is_drawn_on_entry_and_finished_with_a_newline(clock: Clock) -> None:
    out = Terminal()
    with ProgressLine(OutputWrapper(out), "Uploading static files", 800) as line:
        for _ in range(120):
            line.advance()
        clock.now = 0.125
        line.advance()
        for _ in range(679):
            line.advance()
    assert out.getvalue() == (
        "\rUploading static files: 0/800 (0%)"
        "\rUploading static files: 121/800 (15%)"
        "\rUploading static files: 800/800 (100%)\n"
    )


def test_redraws_wait_for_the_refresh_interval(clock: Clock) -> None:
    out = Terminal()
    with ProgressLine(OutputWrapper(out), "Items", 4) as line:
        clock.now = 0.0625
        line.advance()  # too soon after the first drawing
        clock.now = 0.125
        line.advance()
        clock.now = 0.1875
        line.advance()  # too soon after the second
    assert out.getvalue() == "\rItems: 0/4 (0%)\rItems: 2/4 (50%)\rItems: 3/4 (75%)\n"


def test_the_last_drawing_is_not_repeated(clock: Clock) -> None:
    out = Terminal()
    with ProgressLine(OutputWrapper(out), "Items", 2) as line:
        line.advance()
        clock.now += 1
        line.advance()
    assert out.getvalue() == "\rItems: 0/2 (0%)\rItems: 2/2 (100%)\n"


def test_without_a_total_the_count_is_drawn_from_the_first_item(clock: Clock) -> None:
    out = Terminal()
    with ProgressLine(OutputWrapper(out), "Aborting stale uploads", None) as line:
        line.advance()
        line.advance()
        line.advance(2)
    assert out.getvalue() == "\rAborting stale uploads: 1\rAborting stale uploads: 4\n"


def test_no_items_and_no_total_write_nothing(clock: Clock) -> None:
    out = Terminal()
    with ProgressLine(OutputWrapper(out), "Aborting stale uploads"):
        pass
    assert out.getvalue() == ""


def test_a_zero_total_writes_nothing(clock: Clock) -> None:
    out = Terminal()
    with ProgressLine(OutputWrapper(out), "Uploading static files", 0):
        pass
    assert out.getvalue() == ""


def test_a_pipe_gets_nothing(clock: Clock) -> None:
    out = io.StringIO()
    with ProgressLine(OutputWrapper(out), "Items", 3) as line:
        line.advance(3)
    assert out.getvalue() == ""
    assert not line.shown
    assert line.text() == "Items: 3/3 (100%)"


def test_disabled_on_a_terminal_gets_nothing(clock: Clock) -> None:
    out = Terminal()
    with ProgressLine(OutputWrapper(out), "Items", 3, enabled=False) as line:
        line.advance(3)
    assert out.getvalue() == ""


def test_an_exception_ends_the_line_with_the_count_reached(clock: Clock) -> None:
    out = Terminal()

    def fail_after_one() -> None:
        with ProgressLine(OutputWrapper(out), "Items", 3) as line:
            line.advance()
            raise RuntimeError("upload failed")

    with pytest.raises(RuntimeError) as caught:
        fail_after_one()
    assert str(caught.value) == "upload failed"
    assert out.getvalue() == "\rItems: 0/3 (0%)\rItems: 1/3 (33%)\n"


def test_close_ends_the_line_once(clock: Clock) -> None:
    out = Terminal()
    with ProgressLine(OutputWrapper(out), "Items", 1) as line:
        line.advance()
        line.close()  # as before writing an error message
    assert out.getvalue() == "\rItems: 0/1 (0%)\rItems: 1/1 (100%)\n"
