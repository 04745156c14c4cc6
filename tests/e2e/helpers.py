"""Shared steps for the browser tests."""

from django.conf import settings
from django.test import Client


def sign_in(page, user) -> None:
    """Sign `user` in by giving the browser a session cookie (the login form itself is
    walked by tests/e2e/test_vetting_journey.py)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.base_url}]
    )
