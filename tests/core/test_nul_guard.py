"""core.middleware.RejectNulMiddleware: NUL anywhere in a request is a 400 with a message.

On PostgreSQL these requests were 500s (text cannot contain NUL): raw query values passed
into filters, path tokens, ModelChoiceField lookups and admin filters."""

from __future__ import annotations

import pytest
from django.conf import settings

from accounts.models import User
from tests.factories import ApplicantFactory, MemberFactory, SectionMembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db
MESSAGE = "NUL 文字"


def assert_refused(response):
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/sections/?q=%00",
        "/application/local-governments/?prefecture=%00",
        "/application/local-governments/?q=%00",
        "/events/go/%00/",
        "/calendar/%00.ics",
        "/coverage/?q=a%00",
        "/sections/?%00=1",
    ],
)
def test_nul_in_the_path_or_query_is_400(client, url):
    client.force_login(MemberFactory())
    assert_refused(client.get(url))


def test_nul_in_the_public_feed_path_is_400_without_a_session(client):
    assert_refused(client.get("/calendar/%00.ics"))


def test_nul_in_a_form_field_is_400_and_nothing_is_saved(client):
    applicant = ApplicantFactory(status=User.Status.DRAFT)
    client.force_login(applicant)
    response = client.post(
        "/application/",
        {
            "full_name": "横糸 花子",
            "full_name_kana": "ヨコイト ハナコ",
            "affiliation_type": "local_government",
            "prefecture": "\x00",
            "local_government": "131016",
            "department": "総務課",
            "agree": "on",
        },
    )
    assert_refused(response)
    applicant.refresh_from_db()
    assert applicant.status == User.Status.DRAFT
    assert applicant.full_name != "横糸 花子"


def test_nul_in_the_invite_address_is_400(client):
    membership = SectionMembershipFactory(role="head")
    client.force_login(membership.user)
    response = client.post(f"/sections/{membership.section.slug}/invite/", {"email": "\x00"})
    assert_refused(response)


def test_nul_in_an_admin_filter_is_400(client):
    client.force_login(StaffFactory())
    assert_refused(client.get("/admin/sections/section/?status__exact=%00"))


def test_nul_in_the_session_cookie_is_no_session(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijk"
    response = client.get("/members/")
    assert response.status_code == 302  # to the login page, not a 500
