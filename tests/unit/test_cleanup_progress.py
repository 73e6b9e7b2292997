"""s3cleanup's progress: a counter rewritten in place on a TTY, nothing elsewhere."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, OutputWrapper

from storages.backends._s3.bulk.cleanup import StaleUpload
from storages.management.commands.s3cleanup import Progress

UPLOAD = StaleUpload("media/a.bin", "id-1", datetime(2026, 1, 2, 3, 4, tzinfo=UTC))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(out: io.StringIO, *, verbose: bool = False, dry_run: bool = False) -> str:
    command = BaseCommand(stdout=out)
    command.stdout = OutputWrapper(out)
    progress = Progress(command, verbose=verbose, dry_run=dry_run)
    progress.step(UPLOAD)
    progress.step(UPLOAD)
    progress.finish()
    return out.getvalue()


def test_a_terminal_gets_a_counter_rewritten_in_place() -> None:
    assert _run(_Terminal()) == "\rAborted 1 upload(s)...\rAborted 2 upload(s)...\n"


def test_a_pipe_gets_nothing() -> None:
    assert _run(io.StringIO()) == ""


def test_verbose_lists_each_upload() -> None:
    line = "Would abort media/a.bin (upload id-1, started 2026-01-02 03:04 UTC)\n"
    assert _run(io.StringIO(), verbose=True, dry_run=True) == line * 2
