"""Issue 10 §9: an applicant who opened a member page was sent to the status page with no
word of why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import ApplicantFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["home", "sections:directory", "trainings:list", "directory"])
def test_an_applicant_opening_a_member_page_is_told_why(client, url_name):
    client.force_login(ApplicantFactory())
    response = client.get(reverse(url_name), follow=True)
    assert response.redirect_chain[-1][0] == reverse("application_status")
    html = response.content.decode()
    assert "会員向けのページは、入庁が承認されると使えます。" in html
    # Said once, and not again on the next page.
    assert html.count("入庁が承認されると使えます") == 1
    again = client.get(reverse("application_status")).content.decode()
    assert "入庁が承認されると使えます" not in again


def test_a_suspended_member_is_told_the_account_is_suspended(client):
    client.force_login(UserFactory(status=User.Status.SUSPENDED))
    html = client.get(reverse("home"), follow=True).content.decode()
    assert "利用停止中のため、会員向けのページは使えません" in html


def test_members_and_the_applicants_own_pages_get_no_such_message(client):
    client.force_login(ApplicantFactory())
    html = client.get(reverse("application_status")).content.decode()
    assert "入庁が承認されると使えます" not in html
    client.force_login(MemberFactory())
    html = client.get(reverse("home")).content.decode()
    assert "入庁が承認されると使えます" not in html
