"""利用停止 releases what the member holds (issue 9 item 3): seats at future events go back
and the waitlist moves, no reminder goes out, the personal link records no click, and
reinstating does not give the seat back."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from events import services as events_services
from events.models import Registration
from outbox.models import OutgoingMail
from tests.factories import MeetingFactory, SectionMembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db
td = timezone.timedelta


@pytest.fixture
def full_meeting():
    """A one-seat meeting: `holder` has the seat, `waiting` is first on the waitlist."""
    meeting = MeetingFactory(event__capacity=1, event__join_url="https://meet.example.jp/x")
    holder = SectionMembershipFactory(section=meeting.section).user
    waiting = SectionMembershipFactory(section=meeting.section).user
    earlier = timezone.now() - td(days=1)
    events_services.registration_rsvp(
        event_id=meeting.event.pk, user=holder, going=True, now=earlier
    )
    events_services.registration_rsvp(
        event_id=meeting.event.pk, user=waiting, going=True, now=earlier
    )
    return meeting, holder, waiting


def _suspend(user):
    return accounts_services.member_suspend(
        user_id=user.pk, actor=StaffFactory(), reason="conduct", message="確認中です"
    )


def test_suspension_gives_the_seat_back_and_promotes_the_waitlist(full_meeting):
    _meeting, holder, waiting = full_meeting
    _suspend(holder)
    assert Registration.objects.get(user=holder).status == Registration.Status.CANCELLED
    assert Registration.objects.get(user=waiting).status == Registration.Status.GOING
    assert OutgoingMail.objects.filter(template="events_promoted", recipient=waiting).exists()


def test_a_suspended_member_gets_no_reminder(full_meeting):
    meeting, holder, _ = full_meeting
    _suspend(holder)
    start = meeting.event.starts_at
    events_services.reminders_send_due(now=start - td(minutes=59))
    assert not OutgoingMail.objects.filter(template="events_reminder", recipient=holder).exists()


def test_the_personal_link_records_no_click_for_a_suspended_member(full_meeting):
    meeting, holder, _ = full_meeting
    token = Registration.objects.get(user=holder).token
    _suspend(holder)
    holder.refresh_from_db()
    during = meeting.event.starts_at + td(minutes=5)
    with pytest.raises(Registration.DoesNotExist):
        events_services.registration_open_join_link(token=token, user=holder, now=during)
    assert Registration.objects.get(user=holder).first_clicked_at is None


def test_reinstating_does_not_restore_the_seat(full_meeting):
    meeting, holder, _waiting = full_meeting
    _suspend(holder)
    accounts_services.member_reinstate(user_id=holder.pk, actor=StaffFactory())
    assert Registration.objects.get(user=holder).status == Registration.Status.CANCELLED
    holder.refresh_from_db()
    again = events_services.registration_rsvp(event_id=meeting.event.pk, user=holder, going=True)
    assert again.outcome == Registration.Status.WAITLISTED
