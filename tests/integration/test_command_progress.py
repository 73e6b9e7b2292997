"""The commands' progress line, driven through the commands on SeaweedFS.

On a terminal (a StringIO whose ``isatty()`` is true) the app's collectstatic
and s3cleanup draw a line rewritten in place; on a pipe they write what they
wrote before. The progress clock stands still, so a line is drawn when it
starts and when it ends, and nothing in between.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import test_static_support as support
from django.core.management import call_command
from django.test import override_settings

from storages.backends._s3.bulk import cleanup
from storages.management import progress
from storages.management.commands.collectstatic import Command

pytestmark = pytest.mark.integration
make_site = support.make_site

UPLOADING_9 = "\rUploading static files: 0/9 (0%)\rUploading static files: 9/9 (100%)\n"
POST_PROCESSING_9 = (
    "\rPost-processing static files: 0/9 (0%)\rPost-processing static files: 9/9 (100%)\n"
)


class Terminal(io.StringIO):
    """Standard output on a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    monkeypatch.setattr(progress, "clock", lambda: 0.0)


def collect(out: io.StringIO, *args: str, **options: object) -> str:
    options.setdefault("verbosity", 1)
    call_command(Command(), *args, interactive=False, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_a_terminal_sees_the_uploads_counted(make_site):
    make_site()
    assert collect(Terminal()) == UPLOADING_9 + "\n9 static files copied.\n"


def test_a_pipe_sees_no_progress(make_site):
    make_site()
    assert collect(io.StringIO()) == "\n9 static files copied.\n"


def test_no_color_changes_nothing_in_the_plain_line(make_site):
    make_site()
    assert collect(Terminal(), no_color=True) == UPLOADING_9 + "\n9 static files copied.\n"


def test_post_processing_gets_its_own_line(make_site):
    make_site(support.MANIFEST[0])
    assert collect(Terminal()) == (
        UPLOADING_9 + POST_PROCESSING_9 + "\n9 static files copied, 9 post-processed.\n"
    )


def test_a_pipe_sees_no_post_processing_progress(make_site):
    make_site(support.MANIFEST[0])
    assert collect(io.StringIO()) == "\n9 static files copied, 9 post-processed.\n"


def test_nothing_to_upload_draws_no_upload_line(make_site):
    make_site()
    collect(io.StringIO())
    assert collect(Terminal()) == "\n0 static files copied, 9 unmodified.\n"


def test_verbosity_0_draws_nothing(make_site):
    make_site(support.MANIFEST[0])
    assert collect(Terminal(), verbosity=0) == ""


def test_verbosity_2_lists_post_processed_files_instead_of_counting_them(make_site):
    site = make_site(support.MANIFEST[0])
    output = collect(Terminal(), verbosity=2)
    copying, uploading, rest = output.partition(UPLOADING_9)
    assert uploading
    assert sorted(copying.splitlines()) == [
        f"Copying '{site.root / name}'" for name in sorted(support.SOURCES)
    ]
    assert "\r" not in rest
    assert "Post-processed 'robots.txt' as 'robots." in rest
    assert rest.endswith("\n9 static files copied, 9 post-processed.\n")


def test_a_dry_run_uploads_nothing_and_draws_nothing(make_site):
    site = make_site(support.MANIFEST[0])
    output = collect(Terminal(), "--dry-run")
    assert "\r" not in output
    assert f"Pretending to copy '{site.root / 'robots.txt'}'\n" in output
    assert output.endswith("\n9 static files copied.\n")


# -- s3cleanup -----------------------------------------------------------------


@pytest.fixture
def two_stale_uploads(s3_client, bucket_name, monkeypatch):
    """Start two uploads, then move the clean-up clock two hours on."""
    for key in ("a.bin", "b.bin"):
        s3_client.create_multipart_upload(Bucket=bucket_name, Key=key)
    now = cleanup.clock()
    monkeypatch.setattr(cleanup, "clock", lambda: now + timedelta(hours=2))


def clean(s3_server, bucket_name, out: io.StringIO, *args: str) -> str:
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_server.storage_options(bucket_name),
        }
    }
    with override_settings(STORAGES=storages):
        call_command("s3cleanup", "default", "--older-than", "1", *args, stdout=out)
    return out.getvalue()


def test_cleanup_counts_aborted_uploads_on_a_terminal(s3_server, bucket_name, two_stale_uploads):
    assert clean(s3_server, bucket_name, Terminal()) == (
        "\rAborting stale uploads in 'default': 1"
        "\rAborting stale uploads in 'default': 2\n"
        f"Storage 'default' (bucket '{bucket_name}'): aborted 2 incomplete uploads.\n"
    )


def test_cleanup_on_a_pipe_writes_the_summary_only(s3_server, bucket_name, two_stale_uploads):
    assert clean(s3_server, bucket_name, io.StringIO()) == (
        f"Storage 'default' (bucket '{bucket_name}'): aborted 2 incomplete uploads.\n"
    )


def test_cleanup_at_verbosity_0_draws_no_line(s3_server, bucket_name, two_stale_uploads):
    assert clean(s3_server, bucket_name, Terminal(), "--verbosity", "0") == (
        f"Storage 'default' (bucket '{bucket_name}'): aborted 2 incomplete uploads.\n"
    )


def test_cleanup_dry_run_lists_instead_of_counting(s3_server, bucket_name, two_stale_uploads):
    output = clean(s3_server, bucket_name, Terminal(), "--dry-run")
    lines = output.splitlines()
    assert "\r" not in output
    assert sorted(line.split(" (upload ")[0] for line in lines[:2]) == [
        "Would abort a.bin",
        "Would abort b.bin",
    ]
    assert lines[2:] == [
        f"Storage 'default' (bucket '{bucket_name}'): would abort 2 incomplete uploads."
    ]


def test_cleanup_with_nothing_stale_draws_no_line(s3_server, bucket_name):
    assert clean(s3_server, bucket_name, Terminal()) == (
        f"Storage 'default' (bucket '{bucket_name}'): aborted 0 incomplete uploads.\n"
    )
