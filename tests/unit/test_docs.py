"""The documentation agrees with the code, and builds without a warning.

The settings reference (``docs/reference/settings.rst``) writes each entry as
a ``.. setting:: <OPTIONS key>`` directive (see ``docs/_ext/s3settings.py``)
followed by one option per line: ``:django:`` and ``:env:`` list names in
precedence order, ``:default:`` starts with the default as a Python literal in
double backquotes, and ``:secret:`` / ``:extension:`` / ``:keyword-only:`` are
flags. These tests parse that markup and compare it with ``S3_OPTIONS``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from storages.backends._s3.extension import POINTS
from storages.backends._s3.options import S3_OPTIONS
from storages.conf import Option

DOCS = Path(__file__).resolve().parents[2] / "docs"
SETTINGS_PAGE = DOCS / "reference" / "settings.rst"
EXTENDING_PAGE = DOCS / "reference" / "extending.rst"

#: Documented in the settings reference, but a constructor keyword, not a table row.
KEYWORD_ONLY = {"cloudfront_signer"}

_DIRECTIVE = re.compile(r"^\.\. setting:: (?P<name>\S+)\s*$")
_OPTION = re.compile(r"^ {3}:(?P<key>[a-z-]+):(?: +(?P<value>.*?))?\s*$")
_LITERAL = re.compile(r"``(?P<literal>.+?)``")
_CODE_BLOCK = re.compile(r"^(?P<indent> *)\.\. code-block:: python\s*$")
#: A term of the override points' definition list: ``name`` or ``name(arguments)``.
_POINT_TERM = re.compile(r"^``(?P<name>\w+)(?:\(.*\))?``$")


@dataclass(frozen=True)
class Entry:
    """One ``.. setting::`` entry: its name, its options, and where it is."""

    name: str
    options: dict[str, str]
    where: str

    def names(self, key: str) -> tuple[str, ...]:
        """Return the comma-separated names of option ``key`` (empty if absent)."""
        text = self.options.get(key, "")
        return tuple(name.strip() for name in text.split(",") if name.strip())

    def default(self) -> object:
        """Return the Python literal that starts the ``:default:`` option."""
        match = _LITERAL.match(self.options["default"])
        assert match is not None, f"{self.where}: :default: must start with ``literal``"
        return ast.literal_eval(match["literal"])


def parse_entries(text: str, source: str) -> list[Entry]:
    """Return every ``.. setting::`` entry of an RST text, with its options."""
    entries = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        directive = _DIRECTIVE.match(line)
        if directive is None:
            continue
        options: dict[str, str] = {}
        for option_line in lines[number + 1 :]:
            option = _OPTION.match(option_line)
            if option is None:
                break
            options[option["key"]] = option["value"] or ""
        entries.append(Entry(directive["name"], options, f"{source}:{number + 1}"))
    return entries


def all_entries() -> list[Entry]:
    """Return the entries of every page of the docs."""
    entries = []
    for page in sorted(DOCS.rglob("*.rst")):
        if "_build" not in page.parts:
            entries += parse_entries(page.read_text("utf-8"), str(page.relative_to(DOCS)))
    return entries


SETTINGS_ENTRIES = {
    entry.name: entry
    for entry in parse_entries(SETTINGS_PAGE.read_text("utf-8"), "reference/settings.rst")
}


def entry_for(option: Option) -> Entry:
    """Return the documented entry of ``option``, failing the test if there is none."""
    if option.name not in SETTINGS_ENTRIES:
        pytest.fail(f"{option.name} has no '.. setting:: {option.name}' in {SETTINGS_PAGE}")
    return SETTINGS_ENTRIES[option.name]


by_name = pytest.mark.parametrize("option", S3_OPTIONS, ids=lambda option: option.name)


def test_parse_entries_reads_names_and_options() -> None:
    text = (
        "Intro.\n\n"
        ".. setting:: location\n"
        "   :django: AWS_LOCATION, OTHER\n"
        '   :default: ``""`` (no prefix)\n'
        "   :secret:\n"
        "\n"
        "   Body text with :not-an-option: here.\n"
    )
    [entry] = parse_entries(text, "sample.rst")
    assert entry.name == "location"
    assert entry.options == {
        "django": "AWS_LOCATION, OTHER",
        "default": '``""`` (no prefix)',
        "secret": "",
    }
    assert entry.names("django") == ("AWS_LOCATION", "OTHER")
    assert entry.names("env") == ()
    assert entry.default() == ""
    assert entry.where == "sample.rst:3"


def test_every_row_of_the_settings_table_is_documented() -> None:
    missing = [option.name for option in S3_OPTIONS if option.name not in SETTINGS_ENTRIES]
    assert missing == []


def test_every_documented_setting_is_a_row_of_the_settings_table() -> None:
    rows = {option.name for option in S3_OPTIONS}
    unknown = sorted(
        entry.where + " " + entry.name
        for entry in all_entries()
        if entry.name not in rows | KEYWORD_ONLY
    )
    assert unknown == []


def test_each_setting_is_documented_exactly_once() -> None:
    names = [entry.name for entry in all_entries()]
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert repeated == []


@by_name
def test_documented_django_settings_match_the_row(option: Option) -> None:
    assert entry_for(option).names("django") == option.settings


@by_name
def test_documented_env_vars_match_the_row(option: Option) -> None:
    assert entry_for(option).names("env") == option.env


@by_name
def test_documented_default_matches_the_row(option: Option) -> None:
    assert entry_for(option).default() == option.default


@by_name
def test_documented_flags_match_the_row(option: Option) -> None:
    options = entry_for(option).options
    assert ("secret" in options, "extension" in options) == (option.secret, option.extension)
    assert "keyword-only" not in options


def test_cloudfront_signer_is_documented_as_keyword_only() -> None:
    entry = SETTINGS_ENTRIES["cloudfront_signer"]
    assert "keyword-only" in entry.options
    assert entry.names("django") == ()
    assert entry.names("env") == ()


def python_blocks() -> list[tuple[str, str]]:
    """Return ``(where, code)`` for every ``.. code-block:: python`` in the docs."""
    blocks = []
    for page in sorted(DOCS.rglob("*.rst")):
        if "_build" in page.parts:
            continue
        lines = page.read_text("utf-8").splitlines()
        for number, line in enumerate(lines):
            start = _CODE_BLOCK.match(line)
            if start is None:
                continue
            indent = len(start["indent"])
            body: list[str] = []
            for code_line in lines[number + 1 :]:
                if code_line.strip() and len(code_line) - len(code_line.lstrip()) <= indent:
                    break
                body.append(code_line)
            code = "\n".join(body)
            blocks.append((f"{page.relative_to(DOCS)}:{number + 1}", code))
    return blocks


def _as_module(code: str) -> str:
    # Fragments such as '"OPTIONS": {...}' are dict items: wrap them to compile.
    code = textwrap.dedent(code).strip()
    if code.startswith('"'):
        code = "{" + code + "}"
    return code


PYTHON_BLOCKS = python_blocks()


@pytest.mark.parametrize(
    ("where", "code"), PYTHON_BLOCKS, ids=[where for where, _ in PYTHON_BLOCKS]
)
def test_python_examples_compile(where: str, code: str) -> None:
    compile(_as_module(code), where, "exec")


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "html" / "reference" / "settings.html").is_file()


def documented_points(text: str) -> list[str]:
    """Return the terms of the "Override points" section, in order."""
    section = text.split("\nOverride points\n", 1)[1]
    names = []
    lines = section.splitlines()
    for number, line in enumerate(lines):
        if number + 1 < len(lines) and set(lines[number + 1]) == {"-"}:
            break  # the next section's title
        term = _POINT_TERM.match(line)
        if term is not None:
            names.append(term["name"])
    return names


def test_documented_points_reads_terms_up_to_the_next_section() -> None:
    text = (
        "Override points\n---------------\n\nIntro ``not_a_term`` here.\n\n"
        "``first``\n   Body.\n\n``second(a, b=None)``\n   Body.\n\n"
        "Later\n-----\n\n``third``\n   Body.\n"
    )
    assert documented_points("\n" + text) == ["first", "second"]


def test_the_extending_page_lists_the_declared_override_points() -> None:
    documented = documented_points(EXTENDING_PAGE.read_text("utf-8"))
    assert documented == [point.name for point in POINTS]
