#!/usr/bin/env bash
# Set up a virtualenv (if needed) and run the demo against an embedded SeaweedFS server.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[seaweedfs]"
exec "$VENV/bin/python" example/quick_demo.py "$@"
