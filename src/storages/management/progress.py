"""A progress line for management commands: redrawn in place on a terminal, silent elsewhere.

A command that works through many objects shows one line such as
``Uploading static files: 120/800 (15%)``, rewritten with a carriage return
at most every :data:`REFRESH_INTERVAL` seconds and ended with a newline. On
a pipe or a file (CI logs, ``call_command`` with a ``StringIO``) it writes
nothing, so what a command writes there does not change. The line is plain
text, so ``--no-color`` has nothing to remove; the caller decides at which
verbosity it is shown (never at 0).

A library such as tqdm would do this too, but it would be a runtime
dependency of every project using the storage, for about forty lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from django.core.management.base import OutputWrapper

__all__ = ["REFRESH_INTERVAL", "ProgressLine", "clock"]

#: Seconds between two redraws: ten a second reads as live without flooding a slow terminal.
REFRESH_INTERVAL = 0.1

#: Monotonic seconds (a seam tests replace).
clock: Callable[[], float] = time.monotonic


class ProgressLine:
    """Count work done and show it on one line of a terminal.

    Use it as a context manager and call :meth:`advance` once per item. With
    a ``total``, the line reads ``"{label}: {done}/{total} ({percent}%)"``
    and is drawn on entry; without one it reads ``"{label}: {done}"`` and is
    drawn from the first item on. Leaving the block draws the final count and
    ends the line, also when an exception leaves it. Nothing is written when
    ``enabled`` is false or ``out`` is not a terminal.
    """

    def __init__(
        self, out: OutputWrapper, label: str, total: int | None = None, *, enabled: bool = True
    ) -> None:
        self.out = out
        self.label = label
        self.total = total
        self.done = 0
        self.shown = enabled and out.isatty()
        self._drawn_at: float | None = None
        self._drawn = ""

    def __enter__(self) -> ProgressLine:
        if self.total:
            self._draw()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more items done; redraw if the last drawing is old enough."""
        self.done += count
        if self.shown and (self._drawn_at is None or clock() - self._drawn_at >= REFRESH_INTERVAL):
            self._draw()

    def close(self) -> None:
        """Draw the final count and end the line, if a line was started."""
        if self._drawn_at is not None:
            if self.text() != self._drawn:
                self._draw()
            self.out.write("\n", ending="")
            self.out.flush()
            self._drawn_at = None

    def text(self) -> str:
        """Return the line as it reads now."""
        if not self.total:
            return f"{self.label}: {self.done}"
        return f"{self.label}: {self.done}/{self.total} ({self.done * 100 // self.total}%)"

    def _draw(self) -> None:
        if not self.shown:
            return
        text = self.text()
        # Spaces cover the end of a longer line drawn before.
        self.out.write("\r" + text.ljust(len(self._drawn)), ending="")
        self.out.flush()
        self._drawn = text
        self._drawn_at = clock()
