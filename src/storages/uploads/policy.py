"""The upload policy: the hook that decides who may upload what.

A policy is a callable ``policy(request, rules, file) -> UploadRules``. The
sign view calls it with the request, the
:class:`~storages.uploads.rules.UploadRules` of the form field, and the
:class:`~storages.uploads.rules.FileInfo` the browser announced. It returns
the rules to apply (the field's, or narrower ones made with
:func:`dataclasses.replace`: a smaller ``max_size``, fewer
``content_types``, an ``upload_to`` of the user's own), or raises
:class:`~django.core.exceptions.PermissionDenied` with a message the user
sees. The file is then held to the rules it returned.

The views use, in order: the ``policy`` given to ``as_view()`` (or set on a
subclass), the callable named by the ``STORAGES_UPLOAD_POLICY`` setting (a
dotted path), then :func:`authenticated_users`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.module_loading import import_string

from ..utils import setting
from .rules import FileInfo, UploadRules

__all__ = ["POLICY_SETTING", "Policy", "authenticated_users", "configured_policy"]

#: The Django setting naming the project's policy, as a dotted path.
POLICY_SETTING = "STORAGES_UPLOAD_POLICY"

Policy = Callable[[HttpRequest, UploadRules, FileInfo], UploadRules]


def authenticated_users(request: HttpRequest, rules: UploadRules, file: FileInfo) -> UploadRules:
    """Let any logged-in user upload within the field's rules; refuse everyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Log in to upload files.")
    return rules


def configured_policy() -> Policy:
    """Return the policy of the ``STORAGES_UPLOAD_POLICY`` setting, or the default one."""
    path = setting(POLICY_SETTING)
    if path is None:
        return authenticated_users
    policy: Policy = import_string(path) if isinstance(path, str) else path
    return policy
