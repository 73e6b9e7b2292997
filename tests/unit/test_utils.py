"""storages.utils: the helpers django-storages users import, with their exact behaviour."""

from __future__ import annotations

import io
import pathlib

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.test import override_settings

from storages.utils import (
    ReadBytesWrapper,
    check_location,
    clean_name,
    get_available_overwrite_name,
    is_seekable,
    lookup_env,
    safe_join,
    setting,
    to_bytes,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("path/to/file.txt", "path/to/file.txt"),
        ("path/./to/../file.txt", "path/file.txt"),
        ("dir/", "dir/"),
        ("dir//", "dir/"),
        ("a//b", "a/b"),
        ("", ""),
        (".", ""),
        ("a\\b\\c.txt", "a/b/c.txt"),
        # normpath runs before backslashes become slashes: "..\" is not collapsed here.
        ("a\\..\\b", "a/../b"),
        (pathlib.PurePosixPath("x/y/z.txt"), "x/y/z.txt"),
    ],
)
def test_clean_name(name, expected):
    assert clean_name(name) == expected


@pytest.mark.parametrize(
    ("base", "paths", "expected"),
    [
        ("", ("",), ""),
        ("base", ("",), "base/"),
        ("base", (".", "path/to/", "."), "base/path/to/"),
        ("media", ("a/b.txt",), "media/a/b.txt"),
        ("media/", ("a/b.txt",), "media/a/b.txt"),
        ("media", ("a/../b.txt",), "media/b.txt"),
        ("", ("/abs/x",), "abs/x"),
        # Keep: with an empty base, ".." is clamped to the root.
        ("", ("../../etc/passwd",), "etc/passwd"),
        ("media", ("dir/",), "media/dir/"),
    ],
)
def test_safe_join(base, paths, expected):
    assert safe_join(base, *paths) == expected


@pytest.mark.parametrize(
    ("base", "path"),
    [("media", "../secret"), ("media", "../media2/x"), ("media", "/etc/passwd"), ("a/b", "../c")],
)
def test_safe_join_refuses_escape(base, path):
    with pytest.raises(ValueError) as info:
        safe_join(base, path)
    assert str(info.value) == "the joined path is located outside of the base path component"


def test_to_bytes():
    assert to_bytes("é") == "é".encode()
    assert to_bytes(b"x") == b"x"
    buffer = bytearray(b"ab")
    assert to_bytes(buffer) is buffer
    assert to_bytes(12) == b"12"


@override_settings(AWS_TEST_SETTING="value", AWS_TEST_NONE=None)
def test_setting_reads_django_settings_and_keeps_none():
    assert setting("AWS_TEST_SETTING") == "value"
    assert setting("AWS_TEST_MISSING", "fallback") == "fallback"
    # Keep: a setting defined as None does not fall back.
    assert setting("AWS_TEST_NONE", "fallback") is None


def test_lookup_env_skips_unset_and_empty(monkeypatch):
    monkeypatch.setenv("AWS_T_EMPTY", "")
    monkeypatch.setenv("AWS_T_SET", "yes")
    assert lookup_env(["AWS_T_MISSING", "AWS_T_EMPTY", "AWS_T_SET"]) == "yes"
    assert lookup_env(["AWS_T_MISSING", "AWS_T_EMPTY"]) is None


class _Located:
    def __init__(self, location: str) -> None:
        self.location = location


def test_check_location():
    check_location(_Located("media"))
    with pytest.raises(ImproperlyConfigured) as info:
        check_location(_Located("//media/x"))
    assert str(info.value) == (
        "_Located.location cannot begin with a leading slash. Found '//media/x'. "
        "Use 'media/x' instead."
    )


def test_get_available_overwrite_name():
    assert get_available_overwrite_name("parent/child.txt", None) == "parent/child.txt"
    assert get_available_overwrite_name("parent/child.txt", 16) == "parent/child.txt"
    assert get_available_overwrite_name("parent/child.txt", 15) == "parent/chil.txt"


def test_get_available_overwrite_name_errors():
    with pytest.raises(SuspiciousFileOperation) as info:
        get_available_overwrite_name("parent/child.txt", 11)
    assert str(info.value) == (
        'Storage tried to truncate away entire filename "parent/child.txt". Please make sure '
        'that the corresponding file field allows sufficient "max_length".'
    )
    with pytest.raises(SuspiciousFileOperation) as info:
        get_available_overwrite_name("a/../b/c.txt", None)
    assert str(info.value) == "Detected path traversal attempt in 'a/../b'"


def test_is_seekable():
    class NotSeekable(io.RawIOBase):
        def seekable(self) -> bool:
            return False

    assert is_seekable(io.BytesIO(b"x"))
    assert is_seekable(object())
    assert not is_seekable(NotSeekable())


def test_read_bytes_wrapper_encodes_text():
    wrapper = ReadBytesWrapper(io.StringIO("héllo"))
    assert wrapper.read() == "héllo".encode()
    latin = ReadBytesWrapper(io.StringIO("héllo"), encoding="latin-1")
    assert latin.read() == "héllo".encode("latin-1")
    raw = ReadBytesWrapper(io.BytesIO(b"abc"))
    assert raw.read(2) == b"ab"
    assert raw.tell() == 2
    assert raw.readable()


def test_read_bytes_wrapper_uses_file_encoding_and_closes():
    text = io.TextIOWrapper(io.BytesIO("é".encode("cp1252")), encoding="cp1252")
    wrapper = ReadBytesWrapper(text)
    assert wrapper.read() == "é".encode("cp1252")
    wrapper.close()
    assert text.closed


def test_text_streams_are_uploaded_as_unseekable_bytes():
    from django.core.files.base import ContentFile

    from storages.utils import TextAsBytesStream, is_text_stream

    assert is_text_stream(ContentFile("héllo"))
    assert is_text_stream(io.StringIO("x"))
    assert not is_text_stream(ContentFile(b"x"))
    assert not is_text_stream(io.BytesIO(b"x"))
    stream = TextAsBytesStream(io.StringIO("héllo"))
    assert not stream.seekable()
    assert stream.read() == "héllo".encode()
