"""PartBuffer behaves like io.BytesIO, and recycling keeps its memory but not its bytes."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storages.backends._s3.part_buffer import PartBuffer

operations = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.binary(max_size=40)),
        st.tuples(st.just("seek"), st.integers(-5, 60), st.sampled_from([0, 1, 2])),
        st.tuples(st.just("read"), st.integers(0, 30)),
        st.tuples(st.just("truncate"), st.one_of(st.none(), st.integers(0, 60))),
    ),
    max_size=30,
)


def apply(stream, operation):
    name, *args = operation
    try:
        return getattr(stream, name)(*args)
    except ValueError as err:
        return str(err)


@settings(max_examples=300, deadline=None)
@given(operations, st.integers(1, 50))
def test_same_results_as_bytesio(ops, capacity):
    part, reference = PartBuffer(capacity), io.BytesIO()
    for operation in ops:
        assert apply(part, operation) == apply(reference, operation), operation
        assert part.tell() == reference.tell()
    assert bytes(part.body()) == reference.getvalue()
    assert part.size == len(reference.getvalue())


def test_recycled_buffer_reads_as_empty_and_fills_gaps_with_zeros():
    part = PartBuffer(8)
    part.write(b"abcdefgh")
    assert bytes(part.body()) == b"abcdefgh"
    part.recycle()
    assert (part.size, part.tell(), part.read()) == (0, 0, b"")
    part.seek(3)
    part.write(b"XY")
    assert bytes(part.body()) == b"\0\0\0XY"


def test_body_is_the_buffer_itself_when_full():
    part = PartBuffer(4)
    part.write(b"1234")
    first = part.body()
    part.recycle()
    part.write(b"5678")
    assert part.body() is first
    assert first == b"5678"


def test_io_protocol():
    part = PartBuffer(4)
    assert (part.readable(), part.writable(), part.seekable()) == (True, True, True)
    with pytest.raises(io.UnsupportedOperation):
        part.fileno()
    with pytest.raises(ValueError, match=re.escape("invalid whence (3, should be 0, 1 or 2)")):
        part.seek(0, 3)
    with pytest.raises(ValueError, match=re.escape("negative size value -1")):
        part.truncate(-1)
    part.write(b"data")
    part.close()
    assert part.closed is True
    assert part.size == 0
