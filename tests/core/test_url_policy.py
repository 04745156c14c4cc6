"""Every URL pattern must say who may see it; unmarked views fail this test."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from core.access import ADMIN, ALLAUTH, APPLICANT, MEMBER, PUBLIC, policy_of


def walk(patterns, prefix="", namespaces=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), policy_of(entry.callback, namespaces)


def all_routes():
    """(route, policy) for every URL pattern of the project."""
    return list(walk(get_resolver().url_patterns))


def test_every_view_is_marked_public_applicant_or_member():
    unmarked = [route for route, policy in all_routes() if policy is None]
    assert unmarked == [], f"views with no access policy: {unmarked}"


def test_member_areas_are_member_only():
    prefixes = ("members/", "sections/", "broadcasts/", "trainings/")
    for route, policy in all_routes():
        if route.startswith(prefixes):
            assert policy == MEMBER, f"{route} is {policy}"


def test_admin_and_allauth_are_recognised():
    policies = {policy for _, policy in all_routes()}
    assert {ADMIN, ALLAUTH, PUBLIC, APPLICANT, MEMBER} <= policies


def test_the_public_set_is_exactly_what_the_policy_lists():
    public = sorted(route for route, policy in all_routes() if policy == PUBLIC)
    # calendar/: the private per-member calendar feed, fetched by calendar apps without a
    # session and authorised by its secret token (see docs/architecture.md).
    allowed_public = ("", "healthz", "coverage/", "calendar/")
    # qa/: published 参考Q&A entries are public (docs/discussions.md); only the list and
    # an entry's page, never its edit or publish pages.
    qa_public = ("qa/", "qa/<int:entry_id>/")
    # conduct/: the 行動規範 is public (docs/moderation.md); accepting it is for members.
    conduct_public = ("conduct/",)
    # One-click unsubscribe (RFC 8058): mail clients POST without a session; the signed
    # token is the key (docs/notifications.md).
    qa_public += ("notifications/unsubscribe/<str:token>/",)
    for route in public:
        assert (
            route == ""
            or route.startswith(allowed_public[1:])
            or route in qa_public
            or route in conduct_public
        ), route
