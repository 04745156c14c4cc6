"""Reminders: due at the offsets, exactly once, moving with the event, never when cancelled."""

from __future__ import annotations

import pytest
from django.utils import timezone

from events import services, tasks
from events.models import Event
from outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db
td = timezone.timedelta


def reminders():
    return OutgoingMail.objects.filter(template="events_reminder")


@pytest.fixture
def attendee(meeting, join):
    user = join()
    services.registration_rsvp(
        event_id=meeting.event.pk, user=user, going=True, now=timezone.now() - td(days=1)
    )
    return user


def test_nothing_before_the_first_offset(meeting, attendee):
    start = meeting.event.starts_at
    assert services.reminders_send_due(now=start - td(hours=25)) == 0
    assert not reminders().exists()


def test_24h_and_1h_reminders_each_exactly_once(meeting, attendee):
    start = meeting.event.starts_at
    at_24h = start - td(hours=23, minutes=59)
    assert services.reminders_send_due(now=at_24h) == 1
    # Beat fires again, and again a minute later: nothing new.
    assert services.reminders_send_due(now=at_24h) == 0
    assert services.reminders_send_due(now=at_24h + td(minutes=1)) == 0
    assert reminders().count() == 1
    at_1h = start - td(minutes=59)
    assert services.reminders_send_due(now=at_1h) == 1
    assert services.reminders_send_due(now=at_1h) == 0
    assert reminders().count() == 2
    subjects = list(reminders().order_by("id").values_list("body", flat=True))
    assert "1日前" in subjects[0] and "1時間前" in subjects[1]


def test_reminder_carries_the_personal_link_not_the_join_url(meeting, attendee):
    services.reminders_send_due(now=meeting.event.starts_at - td(minutes=30))
    mail = reminders().get()
    assert mail.recipient == attendee
    assert "/events/go/" in mail.body
    assert meeting.event.join_url not in mail.body
    assert meeting.event.join_url not in mail.subject


def test_when_beat_was_down_only_the_nearest_reminder_goes(meeting, attendee):
    services.reminders_send_due(now=meeting.event.starts_at - td(minutes=10))
    assert reminders().count() == 1
    assert "1時間前" in reminders().get().body


def test_no_reminder_for_a_moment_before_confirmation(meeting, join):
    start = meeting.event.starts_at
    late = join()
    services.registration_rsvp(
        event_id=meeting.event.pk, user=late, going=True, now=start - td(hours=3)
    )
    assert services.reminders_send_due(now=start - td(hours=2)) == 0
    assert services.reminders_send_due(now=start - td(minutes=30)) == 1


def test_moving_the_event_moves_the_reminders(meeting, attendee):
    event = meeting.event
    old_start = event.starts_at
    services.reminders_send_due(now=old_start - td(hours=23))
    assert reminders().count() == 1
    new_start = old_start + td(days=3)
    services.event_update(event_id=event.pk, starts_at=new_start, ends_at=new_start + td(hours=1))
    # At the old 1-hour mark nothing goes out...
    assert services.reminders_send_due(now=old_start - td(minutes=30)) == 0
    # ...at the new marks they do, once each.
    assert services.reminders_send_due(now=new_start - td(hours=23)) == 1
    assert services.reminders_send_due(now=new_start - td(minutes=30)) == 1
    assert services.reminders_send_due(now=new_start - td(minutes=30)) == 0
    assert reminders().count() == 3


def test_no_reminder_for_not_going_or_cancelled_rsvp(meeting, attendee, join):
    other = join()
    services.registration_rsvp(event_id=meeting.event.pk, user=other, going=False)
    services.registration_cancel(event_id=meeting.event.pk, user=attendee)
    assert services.reminders_send_due(now=meeting.event.starts_at - td(minutes=30)) == 0


def test_no_reminder_for_a_cancelled_meeting(meeting, attendee):
    services.event_cancel(event_id=meeting.event.pk)
    assert services.reminders_send_due(now=meeting.event.starts_at - td(minutes=30)) == 0
    assert not reminders().exists()


def test_per_event_offsets(meeting, attendee):
    Event.objects.filter(pk=meeting.event.pk).update(reminder_offsets=[180])
    start = meeting.event.starts_at
    assert services.reminders_send_due(now=start - td(hours=23)) == 0
    assert services.reminders_send_due(now=start - td(hours=2)) == 1
    assert "3時間前" in reminders().get().body


def test_the_beat_task_queues_and_sends_after_commit(
    meeting, attendee, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    from events import services as svc

    real = svc.reminders_send_due
    monkeypatch.setattr(
        tasks,
        "reminders_send_due",
        lambda: real(now=meeting.event.starts_at - td(minutes=30)),
    )
    from outbox import tasks as outbox_tasks

    # The scan queues its rows in one insert and kicks one delivery batch (not a task per
    # mail); run that batch in-process.
    kicks = []
    monkeypatch.setattr(
        outbox_tasks.outbox_deliver, "delay", lambda: kicks.append(outbox_tasks.outbox_deliver())
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reminders_send() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reminders_send() == 0
    assert len(mailoutbox) == 1 and kicks == [1]
    assert mailoutbox[0].to == [attendee.email]
