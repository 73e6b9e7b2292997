"""Sphinx extension: the ``setting`` directive and role of the settings reference.

Each entry of ``docs/reference/settings.rst`` is written as::

    .. setting:: location
       :django: AWS_LOCATION
       :default: ``""``

       Text of the entry.

The options are rendered as a field list at the top of the entry. They are
also the marker that ``tests/unit/test_docs.py`` parses to check the page
against the settings table in ``storages/backends/_s3_options.py``, so keep
one option per line and list names in precedence order, separated by commas.

``:setting:`location``` links to an entry; a link to a missing entry is a
build warning (and so an error under ``sphinx-build -W``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains.std import GenericObject
from sphinx.roles import XRefRole
from sphinx.util.typing import OptionSpec


def _names(text: str | None) -> list[str]:
    if not text:
        return []
    return [name.strip() for name in text.split(",") if name.strip()]


class SettingDirective(GenericObject):
    """One entry of the settings reference: an ``OPTIONS`` key and its other spellings."""

    indextemplate = "pair: %s; setting"
    option_spec: ClassVar[OptionSpec] = {
        **GenericObject.option_spec,
        "django": directives.unchanged,
        "env": directives.unchanged,
        "default": directives.unchanged_required,
        "secret": directives.flag,
        "extension": directives.flag,
        "keyword-only": directives.flag,
    }

    def handle_signature(self, sig: str, signode: addnodes.desc_signature) -> str:
        signode.clear()
        signode += addnodes.desc_name(sig, sig)
        signode["fullname"] = sig
        return sig

    def _object_hierarchy_parts(self, sig_node: addnodes.desc_signature) -> tuple[str, ...]:
        return (sig_node["fullname"],)

    def _toc_entry_name(self, sig_node: addnodes.desc_signature) -> str:
        return str(sig_node["fullname"])

    def _literals(self, names: list[str], none_text: str) -> list[nodes.Node]:
        if not names:
            return [nodes.Text(none_text)]
        result: list[nodes.Node] = []
        for index, name in enumerate(names):
            if index:
                result.append(nodes.Text(", "))
            result.append(nodes.literal(name, name))
        return result

    def _inline(self, text: str) -> list[nodes.Node]:
        parsed, messages = self.state.inline_text(text, self.lineno)
        return [*parsed, *messages]

    def _field(self, name: str, body: list[nodes.Node]) -> nodes.field:
        paragraph = nodes.paragraph("", "", *body)
        return nodes.field("", nodes.field_name(name, name), nodes.field_body("", paragraph))

    def transform_content(self, content_node: addnodes.desc_content) -> None:
        """Put the entry's spellings, default and flags above its text."""
        name = self.arguments[0].strip()
        options: dict[str, Any] = self.options
        fields = nodes.field_list()
        if "keyword-only" in options:
            key_text = "none: a keyword argument (or class attribute) only"
            fields += self._field("OPTIONS key", [nodes.Text(key_text)])
        else:
            fields += self._field("OPTIONS key", self._literals([name], ""))
        fields += self._field(
            "Django settings",
            self._literals(_names(options.get("django")), "none"),
        )
        fields += self._field(
            "Environment variables",
            self._literals(_names(options.get("env")), "none"),
        )
        fields += self._field("Default", self._inline(options["default"]))
        if "secret" in options:
            fields += self._field(
                "Secret",
                self._inline(
                    "yes: never shown in logs, reprs or error messages "
                    "(see :ref:`secrets-in-migrations`)"
                ),
            )
        if "extension" in options:
            fields += self._field(
                "s3storages extension",
                [nodes.Text("django-storages reads it only as a Django setting")],
            )
        content_node.insert(0, fields)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``setting`` directive and a ``setting`` role that warns on dangling links."""
    app.add_object_type("setting", "setting", objname="setting")
    app.add_directive_to_domain("std", "setting", SettingDirective, override=True)
    app.add_role_to_domain("std", "setting", XRefRole(warn_dangling=True), override=True)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
