"""Anonymous GETs of the coverage outputs are answered from memory after the first one."""

from __future__ import annotations

import pytest

from core.access import AccessPolicyMiddleware
from municipalities.services import coverage_invalidate
from tests.factories import MemberFactory, local_government

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def full_stack_calls(monkeypatch):
    """How many requests went through the whole middleware stack to a view."""
    calls = []
    real = AccessPolicyMiddleware.process_view

    def counting(self, request, *args, **kwargs):
        calls.append(request.get_full_path())
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(AccessPolicyMiddleware, "process_view", counting)
    return calls


@pytest.mark.parametrize(
    ("url", "params", "extra"),
    [
        ("/coverage/", {}, {}),
        ("/coverage/", {"prefecture": "13", "sort": "-rate"}, {}),
        ("/coverage/", {"prefecture": "13"}, HTMX),
        ("/coverage/embed/", {}, {}),
        ("/coverage/data.json", {}, {}),
        ("/coverage/data.csv", {}, {}),
    ],
)
def test_the_second_anonymous_get_is_the_same_response_without_the_stack(
    client, full_stack_calls, url, params, extra
):
    MemberFactory(local_government=local_government("131016"))
    first = client.get(url, params, **extra)
    second = client.get(url, params, **extra)
    assert len(full_stack_calls) == 1
    assert second.status_code == 200
    assert second.content == first.content
    assert dict(second.items()) == dict(first.items())
    if url == "/coverage/embed/":
        assert "X-Frame-Options" not in second
    else:
        assert second["X-Frame-Options"] == "DENY"
    assert client.get(url, params, HTTP_IF_NONE_MATCH=first["ETag"], **extra).status_code == 304


def test_the_fragment_and_the_page_are_kept_apart(client):
    page = client.get("/coverage/", {"prefecture": "13"})
    fragment = client.get("/coverage/", {"prefecture": "13"}, **HTMX)
    again = client.get("/coverage/", {"prefecture": "13"})
    assert b"<html" in page.content and b"<html" not in fragment.content
    assert again.content == page.content


def test_a_change_is_served_at_once_after_invalidation(client, full_stack_calls):
    first = client.get("/coverage/data.json").json()
    assert not any(row["covered"] for row in first)
    MemberFactory(local_government=local_government("131016"))
    coverage_invalidate()
    rows = client.get("/coverage/data.json").json()
    assert [row["code"] for row in rows if row["covered"]] == ["131016"]
    assert len(full_stack_calls) == 2


def test_visitors_with_a_session_cookie_and_searches_take_the_normal_path(client, full_stack_calls):
    client.get("/coverage/")
    client.cookies["sessionid"] = "whatever"
    client.get("/coverage/")
    del client.cookies["sessionid"]
    client.get("/coverage/", {"q": "ちよだ"})
    client.get("/coverage/", {"q": "ちよだ"})
    client.get("/coverage/", {"prefecture": "99"})
    client.head("/coverage/")
    assert len(full_stack_calls) == 6


def test_a_signed_in_member_never_gets_the_anonymous_copy(client, full_stack_calls):
    anonymous = client.get("/coverage/")
    client.force_login(MemberFactory(local_government=local_government("131016")))
    mine = client.get("/coverage/")
    assert "ログアウト" in mine.content.decode()
    assert "ログアウト" not in anonymous.content.decode()


def test_allowed_hosts_still_apply(client):
    client.get("/coverage/")
    assert client.get("/coverage/", HTTP_HOST="evil.example").status_code == 400


def test_nothing_is_kept_in_development(client, full_stack_calls, settings):
    settings.DEBUG = True
    client.get("/coverage/")
    client.get("/coverage/")
    assert len(full_stack_calls) == 2
