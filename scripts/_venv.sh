# Sourced by the scripts here: create the project's virtualenv if needed and
# install the project into it with the extras named in $1 (e.g. "test,lint").
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$1]"
