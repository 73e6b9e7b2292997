"""S3's limits and codes are named once, in _s3/protocol.py."""

from __future__ import annotations

import ast
from pathlib import Path

import storages
from storages import checks
from storages.backends._s3 import protocol

SOURCES = Path(storages.__file__).parent
#: Numbers that are S3 statuses or limits wherever they appear in the engine
#: (1024 is left out: it is also every KiB and MiB).
PROTOCOL_NUMBERS = {301, 403, 404, 412, 501, 1000, 10_000, 604_800}


def test_the_engine_compares_no_bare_status_or_limit():
    found = []
    for path in sorted(SOURCES.rglob("*.py")):
        if path.name == "protocol.py" or "testing" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            value = node.value if isinstance(node, ast.Constant) else None
            if type(value) is int and value in PROTOCOL_NUMBERS:
                found.append(f"{path.relative_to(SOURCES)}:{node.lineno}: {value}")
    assert found == []


def test_the_public_name_in_checks_is_protocols():
    assert checks.MAX_PRESIGNED_EXPIRY is protocol.MAX_PRESIGNED_EXPIRY == 7 * 24 * 3600
    assert "MAX_PRESIGNED_EXPIRY" in checks.__all__


def test_protocol_names_only_what_it_defines():
    assert sorted(protocol.__all__) == sorted(
        name for name in vars(protocol) if name.isupper() and not name.startswith("_")
    )
