"""Authentication backends: Django's and allauth's, each loading a session's user in one
query with the values the registered apps annotate (`core.plugins.UserAnnotation`: the
bell's count, an active 投稿停止), so that those cost no query of their own on every page.

Building that queryset (two subqueries) through the ORM cost 2 ms of Python per request,
more than the two queries it saves. So the SQL is compiled once per process and
connection vendor, with stand-ins for the user's id and the request's time, and each
request runs it through `raw()` with the real values in their places."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.utils import timezone

from core import plugins

_STAND_IN_ID = -7_654_321_987
_STAND_IN_NOW = dt.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=dt.UTC)
_compiled: dict[str, tuple[str, tuple[Any, ...], list[int], list[int]] | None] = {}


def _compile(model) -> tuple[str, tuple[Any, ...], list[int], list[int]] | None:
    """(sql, params, positions of the id, positions of the time), or None when the
    stand-ins cannot be told apart in the params (then the ORM builds each query)."""
    queryset = model._default_manager.annotate(**plugins.user_annotations(_STAND_IN_NOW)).filter(
        pk=_STAND_IN_ID
    )
    sql, params = queryset.query.sql_with_params()
    adapted_now = connection.ops.adapt_datetimefield_value(_STAND_IN_NOW)
    ids = [i for i, p in enumerate(params) if p == _STAND_IN_ID]
    nows = [i for i, p in enumerate(params) if p == _STAND_IN_NOW or p == adapted_now]
    if len(ids) != 1:
        return None
    return sql, tuple(params), ids, nows


def load_member(user_id: Any) -> Any:
    """The user `user_id` with the registered annotations, or None."""
    model = get_user_model()
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:  # beyond bigint: PostgreSQL would refuse the parameter
        return None
    key = connection.vendor
    if key not in _compiled:
        _compiled[key] = _compile(model)
    compiled = _compiled[key]
    now = timezone.now()
    if compiled is None:
        queryset = model._default_manager.annotate(**plugins.user_annotations(now))
        return queryset.filter(pk=pk).first()
    sql, params, ids, nows = compiled
    values = list(params)
    for i in ids:
        values[i] = pk
    adapted = connection.ops.adapt_datetimefield_value(now)
    for i in nows:
        values[i] = now if params[i] == _STAND_IN_NOW else adapted
    rows = list(model._default_manager.raw(sql, values))
    return rows[0] if rows else None


class _AnnotatedUser:
    def get_user(self, user_id: Any) -> Any:
        user = load_member(user_id)
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class MemberModelBackend(_AnnotatedUser, ModelBackend):
    """Django's backend (the admin's sign-in form, `force_login` in tests)."""


class MemberBackend(_AnnotatedUser, AuthenticationBackend):
    """allauth's backend (sign-in by e-mail address)."""
