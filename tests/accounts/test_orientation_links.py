"""Issue 10 §8: the 説明会 (orientation) could only be reached by typing /orientation/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from outbox.models import OutgoingMail
from tests.accounts.test_views import post_application
from tests.factories import ApplicantFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
S = User.Status
ORIENTATION = reverse("orientation")


def test_the_landing_page_links_the_orientation(client):
    html = client.get(reverse("landing")).content.decode()
    assert f'<a href="{ORIENTATION}" data-orientation-link>説明会の日程と申込</a>' in html
    assert "申込にはアカウント登録とログインが必要です" in html


def test_the_application_received_page_and_mail_link_the_orientation(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8201"
    user = UserFactory(status=S.DRAFT)
    client.force_login(user)
    response = post_application(client)
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "入庁申請を受け付けました" in html  # this is the application-received page
    assert f'href="{ORIENTATION}"' in html
    mail = OutgoingMail.objects.get(to_email=user.email, template="vetting_submitted")
    assert f"http://127.0.0.1:8201{ORIENTATION}" in mail.body
    # The link works for the applicant under review.
    assert client.get(ORIENTATION).status_code == 200


@pytest.mark.parametrize("status", [S.SUBMITTED, S.NEEDS_INFO])
def test_a_waiting_applicants_status_page_links_the_orientation(client, status):
    client.force_login(ApplicantFactory(status=status))
    html = client.get(reverse("application_status")).content.decode()
    assert "data-orientation" in html and f'href="{ORIENTATION}"' in html


@pytest.mark.parametrize("status", [S.DRAFT, S.REJECTED, S.SUSPENDED])
def test_no_orientation_link_for_those_who_may_not_attend(client, status):
    client.force_login(UserFactory(status=status))
    html = client.get(reverse("application_status")).content.decode()
    assert "data-orientation" not in html


def test_member_status_page_has_no_orientation_card(client):
    client.force_login(MemberFactory())
    html = client.get(reverse("application_status")).content.decode()
    assert "data-orientation" not in html
