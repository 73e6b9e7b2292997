# Sourced by the scripts here: create a virtualenv if needed and install the
# project into it with the extras named in $1 (e.g. "test,lint"), plus any
# further requirements given after it (e.g. "Django>=6.1,<6.2").
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$1]" "${@:2}"
