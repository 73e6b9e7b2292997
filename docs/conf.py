"""Sphinx configuration for the s3storages documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (or ``tox -e docs``).
The build needs no network: there is no intersphinx, and the theme is
Sphinx's bundled ``alabaster``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
# Document the working tree, and find the local extension in _ext/.
sys.path.insert(0, str(DOCS_DIR.parent / "src"))
sys.path.insert(0, str(DOCS_DIR / "_ext"))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

# autodoc imports storages.backends.s3, which imports Django's staticfiles app.
if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["django.contrib.staticfiles", "storages"],
        STATIC_URL="/static/",
        USE_TZ=True,
    )
    django.setup()

import storages  # noqa: E402

project = "s3storages"
author = "The s3storages developers"
project_copyright = "The s3storages developers"
release = storages.__version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "s3settings"]

exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
root_doc = "index"
highlight_language = "python"
pygments_style = "sphinx"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"

html_theme = "alabaster"
html_title = f"s3storages {release}"
html_theme_options = {
    "description": "A fast, safe, drop-in Amazon S3 storage for Django",
    "fixed_sidebar": True,
}
html_static_path: list[str] = []
