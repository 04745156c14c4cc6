"""The member's form and the address link over HTTP: each answer, errors as 422, the
link's confirmation page, and 404 for tampered ids and other members' links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from outbox.models import OutgoingMail
from renewals.models import BodyChange, Renewal
from tests.factories import MemberFactory, StaffFactory

from .conftest import open_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(cycle):
    m = MemberFactory()
    open_cycle(cycle)
    return m


def test_unchanged_is_one_click(client, member):
    client.force_login(member)
    response = client.post(reverse("renewals:confirm"), {"choice": "unchanged"})
    assert response.status_code == 302
    assert Renewal.objects.get(user=member).state == "confirmed"
    page = client.get(reverse("renewals:form")).content.decode()
    assert 'data-renewal-state="confirmed"' in page
    profile = client.get(reverse("profile", args=[member.pk])).content.decode()
    assert "年度 確認済み" in profile


def test_invalid_answers_are_422_and_nothing_saved(client, member):
    client.force_login(member)
    response = client.post(reverse("renewals:confirm"), {"choice": "moved_within"})
    assert (
        response.status_code == 422 and "新しい部署を入力してください" in response.content.decode()
    )
    response = client.post(
        reverse("renewals:confirm"),
        {
            "choice": "moved_body",
            "affiliation_type": "local_government",
            "local_government": "999999",
        },
    )
    assert response.status_code == 422
    response = client.post(reverse("renewals:confirm"), {"choice": "retired"})
    assert response.status_code == 422 and "確認のチェック" in response.content.decode()
    response = client.post(reverse("renewals:confirm"), {"choice": "nonsense"})
    assert response.status_code == 302
    assert Renewal.objects.get(user=member).state == "pending"
    assert User.objects.get(pk=member.pk).status == "approved"


def test_the_whole_move_over_http(client, member):
    client.force_login(member)
    response = client.post(
        reverse("renewals:confirm"),
        {
            "choice": "moved_body",
            "affiliation_type": "local_government",
            "prefecture": "01",
            "local_government": "011002",
            "department": "市民文化局",
            "job_type": "general",
            "work_email": "yokoito@city.sapporo.lg.jp",
        },
    )
    assert response.status_code == 302
    change = BodyChange.objects.get()
    mail = OutgoingMail.objects.get(template="renewal_verify_email")
    assert change.token in mail.body
    url = reverse("renewals:verify", args=[change.token])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    user = User.objects.get(pk=member.pk)
    assert user.local_government.code == "011002" and user.affiliation_review_pending


def test_other_members_link_and_tampered_tokens_are_404(client, member):
    client.force_login(member)
    client.post(
        reverse("renewals:confirm"),
        {"choice": "moved_body", "affiliation_type": "ministry", "ministry": "総務省",
         "department": "自治行政局", "job_type": "general", "work_email": "a@soumu.go.jp"},
    )  # fmt: skip
    token = BodyChange.objects.get().token
    other = MemberFactory()
    client.force_login(other)
    assert client.get(reverse("renewals:verify", args=[token])).status_code == 404
    assert client.post(reverse("renewals:verify", args=[token])).status_code == 404
    assert client.get(reverse("renewals:verify", args=["x" * 500])).status_code == 404
    # Someone without a renewal: the form is a 404 too.
    assert client.get(reverse("renewals:form")).status_code == 404
    assert client.post(reverse("renewals:confirm"), {"choice": "unchanged"}).status_code == 404
    client.force_login(StaffFactory())
    assert client.get(reverse("renewals:form")).status_code == 404
    assert User.objects.get(pk=member.pk).affiliation_type == "local_government"


def test_retired_logs_out_after_withdrawal(client, member):
    client.force_login(member)
    response = client.post(
        reverse("renewals:confirm"), {"choice": "retired", "retired-confirm": "on"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("landing")
    assert User.objects.get(pk=member.pk).status == "withdrawn"


def test_home_with_the_panel_has_a_constant_number_of_queries(
    client, cycle, django_assert_max_num_queries
):
    member = MemberFactory()
    for _ in range(30):
        MemberFactory()
    open_cycle(cycle)
    client.force_login(member)
    client.get(reverse("home"))
    with django_assert_max_num_queries(40):
        assert client.get(reverse("home")).status_code == 200
