"""The settings machinery: one row type, one "not given" marker, one resolver.

Precedence, highest first, is written down once, here and in
:class:`storages.base.BaseStorage`:

1. the constructor keyword (what Django passes from ``STORAGES[...]["OPTIONS"]``),
2. a class attribute of the same name (anywhere in the MRO),
3. the Django settings of the row, tried in order,
4. the environment variables of the row, tried in order,
5. the row's default.

:func:`resolve` covers steps 3 to 5; ``BaseStorage`` applies 1 and 2.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from django.core.exceptions import ImproperlyConfigured

from .utils import lookup_env, setting
from .validators import Check

__all__ = [
    "UNSET",
    "InvalidSettingError",
    "Option",
    "Unset",
    "invalid_setting",
    "resolve",
    "spellings",
    "whole_number_from_env",
]


class Unset(enum.Enum):
    """The type of :data:`UNSET`."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


#: Marks "nothing was given", where ``None`` is a meaningful value.
UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class Option:
    """One setting: its OPTIONS key, where else it is read from, and what it means."""

    name: str
    doc: str
    default: Any = None
    settings: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    #: Values that stand for "use the default" when they come from a Django
    #: setting (a historical ``setting(...) or default``).
    falsy_setting_means_default: bool = False
    #: Validates the final value; returns a description of what is expected.
    check: Check | None = None
    #: Normalizes the final value (after the check passed).
    normalize: Callable[[Any], Any] | None = None
    #: Never print the value of a secret.
    secret: bool = False
    #: The reference reads this only from Django settings; we accept OPTIONS too.
    extension: bool = False
    #: Turns an environment variable's text into the value (the check then runs on it).
    from_env: Callable[[str], Any] | None = None

    def default_value(self) -> Any:
        """Return a fresh copy of the default (so mutable defaults are never shared)."""
        return copy.copy(self.default)


def resolve(option: Option) -> Any:
    """Return the value of ``option`` from Django settings, then env vars, then its default.

    Matches the reference exactly: a Django setting that is defined, even as
    ``None``, stops the search (``setting(name, fallback)`` semantics), and
    the environment is read even when a setting wins.
    """
    value: Any = option.default_value()
    if option.env:
        env_value = lookup_env(option.env)
        if env_value is not None:
            value = env_value if option.from_env is None else option.from_env(env_value)
    for name in reversed(option.settings):
        value = setting(name, value)
    if option.falsy_setting_means_default and not value:
        value = option.default_value()
    return value


def whole_number_from_env(text: str) -> int | str:
    """Return the int ``text`` spells in decimal digits, else ``text`` (the check refuses it)."""
    digits = text.strip()
    return int(digits) if digits.isascii() and digits.isdigit() else text


def spellings(option: Option) -> str:
    """Return every spelling of a setting, e.g. ``AWS_LOCATION / location``."""
    names = [*option.settings, option.name]
    for env_name in option.env:
        if f"env {env_name}" not in names and env_name not in option.settings:
            names.append(f"env {env_name}")
    return " / ".join(names)


def describe_value(option: Option, value: Any) -> str:
    """Return a printable description of ``value``, hiding secrets."""
    if option.secret:
        return f"a value of type {type(value).__name__} (hidden)"
    text = repr(value)
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{text} ({type(value).__name__})"


class InvalidSettingError(ImproperlyConfigured, ValueError):
    """A setting's value cannot work.

    Also a ValueError: django-storages let a malformed CloudFront key raise
    ValueError, and code may catch that.
    """


def invalid_setting(option: Option, value: Any, expected: str) -> InvalidSettingError:
    """Build the error for a setting whose value is wrong."""
    return InvalidSettingError(
        f"Invalid value for {spellings(option)}: found {describe_value(option, value)}; "
        f"expected {expected}."
    )


def validate(option: Option, value: Any) -> Any:
    """Check and normalize ``value`` for ``option``; raise ImproperlyConfigured if wrong."""
    if option.check is not None:
        problem = option.check(value)
        if problem is not None:
            raise invalid_setting(option, value, problem)
    if option.normalize is not None:
        value = option.normalize(value)
    return value
