"""Management commands of the optional ``"storages"`` app."""
