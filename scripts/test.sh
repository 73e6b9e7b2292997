#!/usr/bin/env bash
# Set up a virtualenv (if needed) and run the whole test suite, then lint and type checks.
# Usage: ./scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh "test,lint"
status=0
"$VENV/bin/python" -m pytest -n 2 --dist loadfile "$@" || status=$?
if [ "$status" -ne 0 ]; then
    exit "$status"
fi
"$VENV/bin/ruff" check src tests benchmarks
"$VENV/bin/ruff" format --check src tests benchmarks
"$VENV/bin/mypy"
