"""The async_workers setting: its sources, its default and its refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from storages.backends.s3 import S3Storage


def test_the_default_is_eight_threads():
    assert S3Storage().async_workers == 8


def test_it_is_read_from_options_django_settings_and_the_environment(monkeypatch):
    assert S3Storage(async_workers=4).async_workers == 4
    with override_settings(AWS_S3_ASYNC_WORKERS=6):
        assert S3Storage().async_workers == 6
    monkeypatch.setenv("AWS_S3_ASYNC_WORKERS", " 8 ")
    assert S3Storage().async_workers == 8


@pytest.mark.parametrize(
    ("value", "found"),
    [(0, "0 (int)"), (True, "True (bool)"), ("4", "'4' (str)"), (2.5, "2.5 (float)")],
)
def test_anything_but_a_whole_number_of_at_least_one_is_refused(value, found):
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(async_workers=value)
    assert str(info.value) == (
        f"Invalid value for AWS_S3_ASYNC_WORKERS / async_workers: found {found}; "
        "expected a whole number >= 1."
    )


def test_a_wrong_environment_value_is_refused(monkeypatch):
    monkeypatch.setenv("AWS_S3_ASYNC_WORKERS", "lots")
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage()
    assert str(info.value) == (
        "Invalid value for AWS_S3_ASYNC_WORKERS / async_workers: found 'lots' (str); "
        "expected a whole number >= 1."
    )
