#!/usr/bin/env bash
# Set up a virtualenv (if needed) and run the whole test suite, then lint and type checks.
#
# Usage: ./scripts/test.sh [pytest arguments]
#            the suite on the python3 found here (in .venv), then ruff and mypy
#        ./scripts/test.sh --env NAME [pytest arguments]
#            the suite on one matrix entry (in .venv-NAME), e.g. --env django61-py313
#        ./scripts/test.sh --matrix [pytest arguments]
#            every matrix entry in turn, then ruff and mypy once; what CI runs
#        ./scripts/test.sh --list
#            the matrix entries (scripts/_matrix.sh)
#
# The browser tests (marked "browser") drive Debian's chromium; it is installed
# with apt-get when missing (as root), unless the arguments deselect them
# (-m "not browser").
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_matrix.sh

CHROMIUM="${S3STORAGES_CHROMIUM:-/usr/bin/chromium}"

# Install Debian's chromium for the browser tests if it is missing; fail loudly
# if that cannot be done.
ensure_chromium() {
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y)
    [ -x "$CHROMIUM" ] && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: the browser tests need Chromium at $CHROMIUM, and it cannot be installed" \
            "here (needs root and apt-get). Install Debian's chromium package (or set" \
            "S3STORAGES_CHROMIUM to a Chromium binary), or deselect them with -m \"not browser\"." >&2
        exit 4
    fi
    echo "=== installing chromium (apt-get) for the browser tests"
    # Package lists may be missing or stale on a fresh machine: update when the
    # package has no candidate, and once more if the install fails.
    if ! apt-cache show chromium >/dev/null 2>&1; then
        "${apt[@]}" update
    fi
    if ! "${apt[@]}" install chromium; then
        "${apt[@]}" update
        "${apt[@]}" install chromium
    fi
    if [ ! -x "$CHROMIUM" ]; then
        echo "test.sh: apt-get installed chromium, but $CHROMIUM is still missing." >&2
        exit 4
    fi
}

# True unless the pytest arguments deselect the browser tests.
wants_browser() {
    case " $* " in *"not browser"*) return 1 ;; esac
    return 0
}

lint() {
    "$VENV/bin/ruff" check src tests benchmarks
    "$VENV/bin/ruff" format --check src tests benchmarks
    "$VENV/bin/mypy"
}

# Set PYTHON, VENV and the Django requirement for entry $1; fail loudly if the
# entry is unknown or its interpreter is missing.
use_entry() {
    local spec version
    if ! spec="$(matrix_entry "$1")"; then
        echo "test.sh: unknown matrix entry '$1'; the entries are:" $(matrix_names) >&2
        exit 2
    fi
    version="${spec%% *}"
    DJANGO_REQUIREMENT="${spec#* }"
    if ! PYTHON="$(find_python "$version")"; then
        echo "test.sh: matrix entry '$1' needs Python $version, and no python$version was found" \
            "on PATH or under pyenv; install it (e.g. 'pyenv install $version') and run again." >&2
        exit 3
    fi
    VENV=".venv-$1"
}

case "${1:-}" in
--list)
    matrix_names
    ;;
--env)
    [ $# -ge 2 ] || { echo "test.sh: --env needs a matrix entry name" >&2; exit 2; }
    use_entry "$2"
    shift 2
    if wants_browser "$@"; then ensure_chromium; fi
    . scripts/_venv.sh "test" "$DJANGO_REQUIREMENT"
    exec "$VENV/bin/python" -m pytest -n 2 --dist loadfile "$@"
    ;;
--matrix)
    shift
    # Every interpreter first, and the browser, so that a missing one fails before any run.
    for name in $(matrix_names); do (use_entry "$name" >/dev/null); done
    start=$SECONDS
    if wants_browser "$@"; then ensure_chromium; fi
    chromium_seconds=$((SECONDS - start))
    summary=()
    failed=0
    for name in $(matrix_names); do
        use_entry "$name"
        extras="test"
        [ "$name" = "$MATRIX_LINT_ENTRY" ] && extras="test,lint"
        echo "=== $name: $("$PYTHON" --version), $DJANGO_REQUIREMENT"
        start=$SECONDS
        . scripts/_venv.sh "$extras" "$DJANGO_REQUIREMENT"
        log="$(mktemp)"
        scope=()
        case " $MATRIX_UNIT_ONLY " in *" $name "*) scope=(tests/unit) ;; esac
        [ "$name" = "$MATRIX_BROWSER_ENTRY" ] || scope+=(-m "not browser")
        set +e
        "$VENV/bin/python" -m pytest -n 2 --dist loadfile "${scope[@]}" "$@" 2>&1 | tee "$log"
        status=${PIPESTATUS[0]}
        set -e
        result="$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$log" | tail -n 1 | tr -d '=' | xargs || true)"
        rm -f "$log"
        summary+=("$name ($("$VENV/bin/python" -c 'import django, sys; print("Django %s, Python %d.%d.%d" % ((django.get_version(),) + sys.version_info[:3]))')): ${result:-no result} [exit $status, $((SECONDS - start)) s with setup]")
        [ "$status" -ne 0 ] && failed=1
    done
    use_entry "$MATRIX_LINT_ENTRY"
    echo "=== lint and types ($MATRIX_LINT_ENTRY)"
    start=$SECONDS
    lint_status=0
    lint || lint_status=$?
    summary+=("lint and types: exit $lint_status [$((SECONDS - start)) s]")
    echo "=== matrix summary"
    echo "chromium for the browser tests ($MATRIX_BROWSER_ENTRY): $("$CHROMIUM" --version 2>/dev/null || echo '?') [$chromium_seconds s to install]"
    printf '%s\n' "${summary[@]}"
    echo "total: $SECONDS s"
    [ "$lint_status" -ne 0 ] && failed=1
    exit "$failed"
    ;;
*)
    if wants_browser "$@"; then ensure_chromium; fi
    . scripts/_venv.sh "test,lint"
    "$VENV/bin/python" -m pytest -n 2 --dist loadfile "$@"
    lint
    ;;
esac
