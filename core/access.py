"""Default-deny access policy.

Every view needs an approved, active member unless it is explicitly marked otherwise:

- ``@public``: anyone (landing, coverage, healthz).
- ``@applicant``: any signed-in account, whatever its vetting state (the applicant's own
  application and status pages, the orientation application).
- ``@member``: approved, active members and staff. This is also what an unmarked view
  gets, and ``tests/core/test_url_policy.py`` fails on any unmarked view so that the
  choice is always written down.

allauth's views are public (they enforce their own login rules); the admin is guarded by
its own staff check plus the MFA rule below.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

PUBLIC = "public"
APPLICANT = "applicant"
MEMBER = "member"
ALLAUTH = "allauth"
ADMIN = "admin"
POLICIES = {PUBLIC, APPLICANT, MEMBER}


def _mark(policy: str) -> Callable:
    def decorator(view):
        view.access_policy = policy
        return view

    return decorator


public = _mark(PUBLIC)
applicant = _mark(APPLICANT)
member = _mark(MEMBER)


def policy_of(view_func, namespaces: tuple[str, ...] | list[str] = ()) -> str | None:
    """The explicit policy of a resolved view, or None when the view is unmarked."""
    if "admin" in namespaces:
        return ADMIN
    for candidate in (view_func, getattr(view_func, "view_class", None)):
        policy = getattr(candidate, "access_policy", None)
        if policy:
            return policy
    module = getattr(view_func, "__module__", "") or ""
    if module.startswith("allauth."):
        return ALLAUTH
    if module.startswith("django.contrib.admin") or getattr(view_func, "admin_site", None):
        return ADMIN
    return None


def _admin_needs_mfa(request: HttpRequest) -> bool:
    if not getattr(settings, "YOKOITO_ADMIN_REQUIRES_MFA", False):
        return False
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class AccessPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        policy = policy_of(view_func, match.namespaces if match else ()) or MEMBER
        if policy in (PUBLIC, ALLAUTH):
            return None
        if policy == ADMIN:
            if _admin_needs_mfa(request):
                messages.warning(
                    request, "管理画面を使うには、先に二要素認証（TOTP）を設定してください。"
                )
                return redirect("mfa_activate_totp")
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if policy == APPLICANT or user.is_member:
            return None
        # Signed in but not an approved, active member: only their own status page, with
        # a word of why (the user model gives it; core knows no vetting state).
        reason = getattr(user, "member_pages_closed_reason", "") or (
            "会員向けのページは、入庁が承認されると使えます。"
        )
        messages.info(request, reason)
        return redirect("application_status")
