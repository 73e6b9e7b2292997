"""The ``"storages"`` app's management commands."""
