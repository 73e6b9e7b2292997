"""A storage's runtime state: typed fields, never pickled, rebuilt empty after unpickling.

What each field does is tested where it is used (url(), create-only saves,
collectstatic views); these tests cover the state's own contract.
"""

from __future__ import annotations

import copy
import pickle

import pytest

from storages.backends._s3.state import RuntimeState
from storages.backends.s3 import S3Storage

OPTIONS = {"bucket_name": "media", "region_name": "eu-west-1", "querystring_auth": False}


def used_storage() -> S3Storage:
    """Return a storage whose runtime state and connections are filled in."""
    storage = S3Storage(**OPTIONS)
    storage.url("a.txt")
    storage._runtime.conditional_writes_unsupported = True
    assert storage.bucket.name == "media"  # builds this thread's connection and Bucket
    return storage


def fields(runtime: RuntimeState) -> tuple[object, bool, dict[object, object]]:
    """Return what a runtime state has learned: URL state, 501 flag, collectstatic views."""
    return runtime.url, runtime.conditional_writes_unsupported, dict(runtime.collectstatic_views)


def test_a_new_storage_has_learned_nothing():
    storage = S3Storage(**OPTIONS)

    assert type(storage._runtime) is RuntimeState
    assert fields(storage._runtime) == (None, False, {})


def test_a_misspelt_field_cannot_be_created():
    storage = S3Storage(**OPTIONS)

    with pytest.raises(AttributeError, match="'RuntimeState' object has no attribute 'urls'"):
        storage._runtime.urls = None


def test_pickling_leaves_out_the_runtime_state_and_the_connections():
    storage = used_storage()

    state = storage.__getstate__()

    assert sorted(set(vars(storage)) - set(state)) == [
        "_connections",
        "_runtime",
        "_unsigned_connections",
    ]
    # _bucket is a property over this thread's connections, never an instance attribute.
    assert "_bucket" not in vars(storage)


@pytest.mark.parametrize(
    "clone",
    [lambda storage: pickle.loads(pickle.dumps(storage)), copy.copy, copy.deepcopy],
    ids=["pickle", "copy", "deepcopy"],
)
def test_a_copy_starts_a_runtime_state_of_its_own(clone):
    storage = used_storage()
    url = storage.url("b.txt")

    copied = clone(storage)

    assert copied._runtime is not storage._runtime
    assert fields(copied._runtime) == (None, False, {})
    assert copied._connections.__dict__ == {}
    assert copied.url("b.txt") == url
    assert copied._runtime.url is not None
    assert copied._runtime.url is not storage._runtime.url
    # The original keeps what it learned.
    assert storage._runtime.conditional_writes_unsupported is True


def test_deconstruct_is_only_the_keywords():
    storage = used_storage()

    assert storage.deconstruct() == ("storages.backends.s3.S3Storage", (), OPTIONS)
