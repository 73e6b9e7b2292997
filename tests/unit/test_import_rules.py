"""The engine's import rules, read from the source with ``ast``.

1. Nothing under ``storages/backends/_s3/`` imports the facade
   (``storages.backends.s3``, or ``s3boto3`` which re-exports it), not even
   under ``TYPE_CHECKING``: helpers take a small protocol of what they need
   from a storage (``_s3/types.py`` and their own modules).
2. The core (modules directly in ``_s3/``) does not import the capability
   folders (``files/``, ``urls/``, ``static/``, and any folder added later),
   except under ``if TYPE_CHECKING:`` to name a type (``state.py`` types the
   fields that capability modules own).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import storages

SRC = Path(storages.__file__).resolve().parent.parent
ENGINE = SRC / "storages" / "backends" / "_s3"
FACADE = ("storages.backends.s3", "storages.backends.s3boto3")

#: Modules that still import the facade, with who removes the import: each is an
#: xfail(strict), so the entry must go when the import does. Empty when none.
KNOWN_FACADE_IMPORTS: dict[str, str] = {}


@dataclass(frozen=True)
class Import:
    """One import statement: where it is, what it says resolved, which modules it reaches."""

    where: str
    text: str
    targets: tuple[str, ...]
    type_checking_only: bool

    def reaches(self, package: str) -> bool:
        """Return True if the statement imports ``package`` or a module inside it."""
        return any(target == package or target.startswith(package + ".") for target in self.targets)

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


def module_name(path: Path) -> str:
    """Return the dotted name of the module at ``path`` under ``SRC``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _statements(
    nodes: list[ast.stmt], type_checking: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    # Every import statement, with whether only an ``if TYPE_CHECKING:`` body reaches it.
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, type_checking
        elif isinstance(node, ast.If):
            yield from _statements(node.body, type_checking or _is_type_checking(node.test))
            yield from _statements(node.orelse, type_checking)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    yield from _statements(children, type_checking)


def imports(path: Path, source: str | None = None) -> list[Import]:
    """Return the import statements of ``path`` (or of ``source``), relative ones resolved.

    ``from package import name`` reaches both ``package`` and
    ``package.name`` (which may be a submodule).
    """
    text = source if source is not None else path.read_text("utf-8")
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node, type_checking in _statements(ast.parse(text).body, False):
        names = [alias.name for alias in node.names]
        if isinstance(node, ast.Import):
            targets = names
            text = "import " + ", ".join(names)
        else:
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            targets = [base, *(f"{base}.{alias}" for alias in names)]
            text = f"from {base} import " + ", ".join(names)
        found.append(Import(f"{name} line {node.lineno}", text, tuple(targets), type_checking))
    return found


def engine_modules() -> list[Path]:
    """Return every module under ``storages/backends/_s3``."""
    return sorted(ENGINE.rglob("*.py"))


def engine_params() -> list[object]:
    """Return a test parameter per engine module; known exceptions are xfail(strict)."""
    params = []
    for path in engine_modules():
        name = module_name(path)
        reason = KNOWN_FACADE_IMPORTS.get(name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=name, marks=marks))
    return params


def capability_packages() -> list[str]:
    """Return the dotted names of the capability folders (subpackages of ``_s3``)."""
    return sorted(module_name(init) for init in ENGINE.glob("*/__init__.py"))


def facade_imports(path: Path, source: str | None = None) -> list[str]:
    """Return where ``path`` imports the facade."""
    return [
        str(found)
        for found in imports(path, source)
        if any(found.reaches(facade) for facade in FACADE)
    ]


def core_imports_of_capabilities(path: Path, source: str | None = None) -> list[str]:
    """Return where core module ``path`` imports a capability folder outside TYPE_CHECKING."""
    packages = capability_packages()
    return [
        str(found)
        for found in imports(path, source)
        if not found.type_checking_only and any(found.reaches(package) for package in packages)
    ]


# -- the rules --------------------------------------------------------------------------


@pytest.mark.parametrize("path", engine_params())
def test_the_engine_never_imports_the_facade(path: Path) -> None:
    assert facade_imports(path) == []


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=module_name)
def test_the_core_imports_capability_folders_only_to_name_types(path: Path) -> None:
    assert core_imports_of_capabilities(path) == []


def test_every_capability_folder_is_seen() -> None:
    assert {"files", "static", "urls"} <= {
        name.rpartition(".")[2] for name in capability_packages()
    }


# -- the checker itself -----------------------------------------------------------------

SAMPLE = ENGINE / "urls" / "sample.py"
CORE_SAMPLE = ENGINE / "sample.py"


@pytest.mark.parametrize(
    "line",
    [
        "from ...s3 import S3Storage",
        "from ... import s3",
        "from ... import s3boto3",
        "import storages.backends.s3",
        "from storages.backends import s3 as facade",
        "from storages.backends.s3 import S3Storage",
        "if TYPE_CHECKING:\n    from ...s3 import S3Storage",
        "def late():\n    from ...s3 import S3Storage",
        "try:\n    pass\nexcept ImportError:\n    from ...s3 import S3Storage",
    ],
)
def test_a_facade_import_is_found_in_every_form(line: str) -> None:
    found = facade_imports(SAMPLE, line + "\n")
    assert [entry.partition(":")[0] for entry in found] == [
        f"storages.backends._s3.urls.sample line {line.count(chr(10)) + 1}"
    ]


@pytest.mark.parametrize(
    "line",
    [
        "from ..s3boto4 import x",
        "from .. import s3boto3",  # storages.backends._s3.s3boto3
        "from .s3 import x",  # storages.backends._s3.urls.s3, not the facade
        "from ..state import RuntimeState",
        "import storages.backends.s3x",
    ],
)
def test_other_imports_are_not_facade_imports(line: str) -> None:
    assert facade_imports(SAMPLE, line + "\n") == []


def test_a_core_import_of_a_capability_is_found_unless_only_for_types() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from .urls.url import storage_url\n"
        "from . import static\n"
        "if TYPE_CHECKING:\n"
        "    from .files.file import S3File\n"
        "else:\n"
        "    from .files import reader\n"
        "from .errors import status_code\n"
    )
    assert core_imports_of_capabilities(CORE_SAMPLE, source) == [
        "storages.backends._s3.sample line 2: from storages.backends._s3.urls.url "
        "import storage_url",
        "storages.backends._s3.sample line 3: from storages.backends._s3 import static",
        "storages.backends._s3.sample line 7: from storages.backends._s3.files import reader",
    ]


def test_a_facade_import_names_the_module_line_and_statement() -> None:
    source = "import os\n\nfrom ...s3 import S3File, S3Storage\n"
    assert facade_imports(SAMPLE, source) == [
        "storages.backends._s3.urls.sample line 3: from storages.backends.s3 "
        "import S3File, S3Storage"
    ]
