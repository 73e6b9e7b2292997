"""BaseStorage: builds a storage's attributes from its settings table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage

from .conf import Option, resolve, validate

__all__ = ["BaseStorage", "SettingsHooks", "resolve_attributes"]


class BaseStorage(Storage):
    """A storage whose settings come from a table of :class:`~storages.conf.Option` rows.

    Each setting becomes an instance attribute of the same name. Precedence:
    constructor keyword (``OPTIONS``), then class attribute, then Django
    setting, then environment variable, then default.

    Extension contract: subclasses set ``options`` (the table) and may
    override :meth:`get_default_settings` to add settings of their own; every
    key it returns is an accepted keyword.
    """

    #: The settings table of this storage.
    options: ClassVar[Sequence[Option]] = ()

    def __init__(self, **settings: Any) -> None:
        for name, value in resolve_attributes(self, settings).items():
            setattr(self, name, value)

    def get_default_settings(self) -> dict[str, Any]:
        """Return each setting's value from Django settings, env vars or defaults.

        Override point: a subclass may add keys; they become accepted keywords.
        """
        return {option.name: resolve(option) for option in self.options}


class SettingsHooks(Protocol):
    """What resolving settings reads from a storage: its table and its defaults."""

    @property
    def options(self) -> Sequence[Option]: ...
    def get_default_settings(self) -> dict[str, Any]: ...


def resolve_attributes(storage: SettingsHooks, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return the attributes ``storage`` gets from its table and ``settings`` (its keywords).

    Every row of ``storage.options`` is in the result, checked and normalized;
    so is every other key of ``get_default_settings()`` unless a class
    attribute (or an attribute already set on ``storage``) provides it, since
    a class attribute anywhere in the MRO beats the Django setting. Nothing is
    set on ``storage``. Raises ImproperlyConfigured for a keyword that is no
    setting, or a value its row refuses.
    """
    default_settings = storage.get_default_settings()
    values = {name: value for name, value in default_settings.items() if not hasattr(storage, name)}
    for name, value in settings.items():
        if name not in default_settings:
            raise ImproperlyConfigured(f"Invalid setting '{name}' for {type(storage).__name__}")
        values[name] = value
    for option in storage.options:
        value = values[option.name] if option.name in values else getattr(storage, option.name)
        values[option.name] = validate(option, value)
    return values
