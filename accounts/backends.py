"""Authentication backends: Django's and allauth's, each loading a session's user in one
query with the values the registered apps annotate (`core.plugins.UserAnnotation`: the
bell's count, an active 投稿停止), so that those cost no query of their own on every page."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core import plugins


class _AnnotatedUser:
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.annotate(**plugins.user_annotations()).get(pk=user_id)
        except (model.DoesNotExist, ValueError, TypeError):
            return None
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class MemberModelBackend(_AnnotatedUser, ModelBackend):
    """Django's backend (the admin's sign-in form, `force_login` in tests)."""


class MemberBackend(_AnnotatedUser, AuthenticationBackend):
    """allauth's backend (sign-in by e-mail address)."""
