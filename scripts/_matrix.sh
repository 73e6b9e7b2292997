# Sourced by scripts/test.sh: the supported matrix, and how to find an interpreter.
# One entry a line: NAME  PYTHON-VERSION  DJANGO-REQUIREMENT
MATRIX_ENTRIES="
django42-py311 3.11 Django>=4.2,<5.0
django52-py311 3.11 Django>=5.2,<5.3
django52-py312 3.12 Django>=5.2,<5.3
django60-py312 3.12 Django>=6.0,<6.1
django61-py313 3.13 Django>=6.1,<6.2
"
# Entries that --matrix runs with the unit tests only, to keep CI well under 30
# minutes on 2 cores: the same Django runs the whole suite in another entry.
MATRIX_UNIT_ONLY="django52-py312"
# The entry that also runs lint and mypy (the newest Django, for django-stubs).
MATRIX_LINT_ENTRY="django61-py313"
# The entry that runs the browser tests (pytest -m browser: headless Chromium); the
# others deselect them, since the browser and the page behave the same on each.
MATRIX_BROWSER_ENTRY="django52-py311"

# Print the path of a CPython X.Y interpreter, or nothing. Looks on PATH
# (python3.X, then python3 if it is X.Y) and in pyenv's versions folder.
find_python() {
    local want="$1" candidate root
    for candidate in "python$want" python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
            command -v "$candidate"
            return 0
        fi
    done
    root="${PYENV_ROOT:-$HOME/.pyenv}"
    if command -v pyenv >/dev/null 2>&1; then
        root="$(pyenv root)"
    fi
    for candidate in "$root"/versions/"$want".*/bin/python"$want"; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Print "PYTHON-VERSION DJANGO-REQUIREMENT" for entry $1, or fail.
matrix_entry() {
    local name version requirement
    while read -r name version requirement; do
        if [ "$name" = "$1" ]; then
            echo "$version $requirement"
            return 0
        fi
    done <<<"$MATRIX_ENTRIES"
    return 1
}

matrix_names() {
    local name rest
    while read -r name rest; do
        [ -n "$name" ] && echo "$name"
    done <<<"$MATRIX_ENTRIES"
}
