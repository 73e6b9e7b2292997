#!/usr/bin/env bash
# Set up a virtualenv (if needed) and run the demo site on an embedded local S3 server (SeaweedFS).
# Usage: ./scripts/demo.sh [--port 8000] [--noreload] [--data-dir DIR]
#        ./scripts/demo.sh COMMAND ...   # a manage.py command against the demo, e.g. s3probe
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh "seaweedfs"
exec "$VENV/bin/python" example/run.py "$@"
