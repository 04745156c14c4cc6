"""Browser journey: a member applies to a training, answers the question, sees the join
link appear when it opens, and opens their personal link (which records the click)."""

import datetime as dt

import pytest
from django.utils import timezone

from events.models import Registration
from outbox.models import OutgoingMail
from tests.e2e.helpers import sign_in
from tests.factories import MemberFactory
from trainings import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_applies_and_opens_the_personal_link(page):
    member = MemberFactory(full_name="研修 花子")
    now = timezone.now()
    starts = now + dt.timedelta(minutes=10)  # the join link (15 min before) is already open
    join_url = page.base_url + "/healthz?room=training-42"
    training = services.training_create(
        title="ワクチン接種業務の実務",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        rsvp_deadline=starts,
        join_url=join_url,
        questions=["聞きたいこと"],
        lecturers=[{"name": "山田 医師", "affiliation": "感染症専門医"}],
        application_opens_at=now - dt.timedelta(days=1),
    )
    sign_in(page, member)
    page.goto(page.base_url + "/members/")
    page.get_by_role("link", name="庁内研修").first.click()
    page.get_by_role("link", name="ワクチン接種業務の実務").click()
    assert "山田 医師" in page.content()
    assert "training-42" not in page.content()  # no raw URL before applying
    page.get_by_label("聞きたいこと").fill("接種券の発送時期")
    page.get_by_role("button", name="申し込む").click()
    page.locator("[data-rsvp-status=going]").wait_for()
    assert "申込が確定しました" in page.content()
    registration = Registration.objects.get(event=training.event, user=member)
    assert registration.answers == {"0": "接種券の発送時期"}
    mail = OutgoingMail.objects.get(to_email=member.email, template="events_confirmed")
    assert registration.token in mail.body and "training-42" not in mail.body

    # The personal link is on the page (the raw URL is not), and leads to the room.
    link = page.locator("[data-join-link]")
    assert registration.token in link.get_attribute("href")
    assert "training-42" not in page.content()
    link.click()
    page.wait_for_url("**/healthz?room=training-42")
    registration.refresh_from_db()
    assert registration.first_clicked_at is not None
    assert page.console_errors == []
