"""/orientation/ shows dates and seats only to those who may apply (issue 9, item 8).

Draft, rejected and suspended accounts (and any other state that cannot apply) see a
clear message for their state instead: no dates, no seat counts, no apply form. Those
states get 404 from apply and `.ics`, so showing them the sessions was a dead end."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import ApplicantFactory, MemberFactory, StaffFactory, UserFactory
from trainings import selectors, services
from trainings.models import Training

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions():
    services.orientations_generate(weeks=3)
    return list(Training.objects.filter(is_orientation=True).select_related("event"))


def _shows_sessions(body: str, sessions) -> bool:
    """Any session's date and time, or the seat counter of the apply panel."""
    for t in sessions:
        if t.event.starts_at.isoformat() in body:
            return True
        if timezone.localtime(t.event.starts_at).strftime("%H:%M〜") in body:
            return True
    return "申込 <strong>" in body or "定員" in body


@pytest.mark.parametrize(
    "status, expected",
    [
        (User.Status.DRAFT, "入庁申請を送信すると"),
        (User.Status.REJECTED, "承認されなかった"),
        (User.Status.SUSPENDED, "利用停止中"),
        (User.Status.UNVERIFIED, "メールアドレスの確認"),
    ],
)
def test_states_that_cannot_apply_get_a_message_and_no_dates_or_seats(
    client, sessions, status, expected
):
    user = UserFactory(status=status)
    assert not selectors.may_attend_orientation(user)
    client.force_login(user)
    response = client.get(reverse("orientation"))
    assert response.status_code == 200
    body = response.content.decode()
    assert not _shows_sessions(body, sessions)
    for pk in (t.pk for t in sessions):
        assert reverse("orientation_apply", args=[pk]) not in body
    assert "申し込む" not in body
    assert expected in body
    # The message matches what the service says when they try anyway.
    problem = selectors.orientation_problem(user)
    assert problem and expected in problem
    assert selectors.eligibility_problem(sessions[0], user) == problem
    response = client.post(reverse("orientation_apply", args=[sessions[0].pk]))
    assert response.status_code in (302, 403, 404)
    assert not sessions[0].event.registrations.exists()


def test_draft_account_is_pointed_to_its_application(client, sessions):
    client.force_login(UserFactory(status=User.Status.DRAFT))
    body = client.get(reverse("orientation")).content.decode()
    message = body[body.index("data-orientation-problem") :]
    message = message[: message.index("</div>")]
    assert f'href="{reverse("application_edit")}"' in message


@pytest.mark.parametrize("factory", [ApplicantFactory, MemberFactory, StaffFactory])
def test_those_who_may_apply_see_the_sessions_and_the_form(client, sessions, factory):
    user = factory()
    client.force_login(user)
    body = client.get(reverse("orientation")).content.decode()
    assert _shows_sessions(body, sessions)
    assert reverse("orientation_apply", args=[sessions[0].pk]) in body
    assert "data-orientation-problem" not in body
    assert selectors.orientation_problem(user) is None


def test_needs_info_applicant_may_still_apply(client, sessions):
    user = ApplicantFactory(status=User.Status.NEEDS_INFO)
    client.force_login(user)
    body = client.get(reverse("orientation")).content.decode()
    assert reverse("orientation_apply", args=[sessions[0].pk]) in body
