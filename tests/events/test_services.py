"""The registration mechanism: RSVP, capacity, waitlist, deadlines, links, changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from events import services
from events.models import Event, Registration
from outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db
S = Registration.Status
td = timezone.timedelta


def rsvp(event, user, going=True, **kw):
    return services.registration_rsvp(event_id=event.pk, user=user, going=going, **kw)


def mails(template):
    return OutgoingMail.objects.filter(template=template)


def test_going_takes_a_seat_then_the_waitlist_in_order(meeting, join):
    event = meeting.event
    a, b, c, d = (join() for _ in range(4))
    assert rsvp(event, a).outcome == S.GOING
    assert rsvp(event, b).outcome == S.GOING
    assert rsvp(event, c).outcome == S.WAITLISTED
    assert rsvp(event, d).outcome == S.WAITLISTED
    from events.selectors import waitlist_position

    assert waitlist_position(Registration.objects.get(user=c)) == 1
    assert waitlist_position(Registration.objects.get(user=d)) == 2


def test_double_click_changes_nothing(meeting, join):
    a = join()
    first = rsvp(meeting.event, a)
    second = rsvp(meeting.event, a)
    assert second.outcome == "unchanged"
    assert second.registration.pk == first.registration.pk
    assert Registration.objects.filter(user=a).count() == 1


def test_unique_constraint_forbids_a_second_registration(meeting, join):
    from django.db import IntegrityError, transaction

    a = join()
    rsvp(meeting.event, a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=meeting.event, user=a, status=S.GOING)


def test_freed_seat_promotes_the_first_waiting_member_and_mails_them(meeting, join):
    event = meeting.event
    a, b, c, d = (join() for _ in range(4))
    for user in (a, b, c, d):
        rsvp(event, user)
    result = rsvp(event, a, going=False)
    assert result.outcome == S.NOT_GOING
    assert Registration.objects.get(user=c).status == S.GOING
    assert Registration.objects.get(user=d).status == S.WAITLISTED
    mail = mails("events_promoted").get()
    assert mail.recipient == c
    assert "繰り上げ" in mail.subject
    assert mail.attachments[0]["mimetype"].startswith("text/calendar")
    assert event.join_url not in mail.body  # the personal link only
    assert "/events/go/" in mail.body


def test_cancel_promotes_too_and_a_new_member_queues_behind_waiting_ones(meeting, join):
    event = meeting.event
    a, b, c, late = (join() for _ in range(4))
    for user in (a, b, c):
        rsvp(event, user)
    services.registration_cancel(event_id=event.pk, user=b)
    assert Registration.objects.get(user=c).status == S.GOING
    assert Registration.objects.get(user=b).status == S.CANCELLED
    # Full again: a newcomer waits.
    assert rsvp(event, late).outcome == S.WAITLISTED


def test_raising_capacity_promotes_in_order(meeting, join):
    event = meeting.event
    users = [join() for _ in range(5)]
    for user in users:
        rsvp(event, user)
    services.event_update(event_id=event.pk, capacity=4)
    statuses = [Registration.objects.get(user=u).status for u in users]
    assert statuses == [S.GOING, S.GOING, S.GOING, S.GOING, S.WAITLISTED]


def test_promotion_stops_at_the_deadline(meeting, join, now):
    event = meeting.event
    Event.objects.filter(pk=event.pk).update(rsvp_deadline=now + td(hours=1))
    a, b, c = (join() for _ in range(3))
    for user in (a, b, c):
        rsvp(event, user, now=now)
    later = now + td(hours=2)  # after the deadline, before the start
    rsvp(event, a, going=False, now=later)
    assert Registration.objects.get(user=c).status == S.WAITLISTED
    assert not mails("events_promoted").exists()


def test_rsvp_after_the_deadline_is_refused_and_changes_nothing(meeting, join, now):
    event = meeting.event
    Event.objects.filter(pk=event.pk).update(rsvp_deadline=now - td(minutes=1))
    a = join()
    with pytest.raises(services.RegistrationError) as exc:
        rsvp(event, a)
    assert "締め切りました" in exc.value.message
    assert not Registration.objects.exists()


def test_rsvp_closes_at_the_start_even_without_a_deadline(meeting, join):
    event = meeting.event
    a = join()
    with pytest.raises(services.RegistrationError):
        rsvp(event, a, now=event.starts_at + td(seconds=1))


def test_section_only_meeting_refuses_outsiders(meeting, outsider):
    with pytest.raises(services.RegistrationError) as exc:
        rsvp(meeting.event, outsider)
    assert meeting.section.name in exc.value.message
    assert "メンバー限定" in exc.value.message
    assert not Registration.objects.exists()


def test_all_member_meeting_accepts_outsiders(meeting, outsider):
    meeting.audience = "all"
    meeting.save()
    assert rsvp(meeting.event, outsider).outcome == S.GOING


def test_cancelled_event_refuses_rsvp(meeting, join):
    a = join()
    services.event_cancel(event_id=meeting.event.pk)
    with pytest.raises(services.RegistrationError):
        rsvp(meeting.event, a)


def test_cancel_without_registration_is_refused(meeting, join):
    with pytest.raises(services.RegistrationError):
        services.registration_cancel(event_id=meeting.event.pk, user=join())


def test_cannot_change_after_the_start(meeting, join):
    a = join()
    rsvp(meeting.event, a)
    with pytest.raises(services.RegistrationError):
        rsvp(meeting.event, a, going=False, now=meeting.event.starts_at + td(minutes=1))
    assert Registration.objects.get(user=a).status == S.GOING


def test_tokens_are_long_and_unique(meeting, join):
    regs = [rsvp(meeting.event, join()).registration for _ in range(3)]
    tokens = {r.token for r in regs}
    assert len(tokens) == 3
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes = 256 bits


# --- Changes and cancellation -------------------------------------------------------------


def test_reschedule_bumps_sequence_and_notifies_going_and_waiting(meeting, join):
    event = meeting.event
    a, b, c, d = (join() for _ in range(4))
    for user in (a, b, c):
        rsvp(event, user)
    rsvp(event, d, going=False)
    new_start = event.starts_at + td(days=1)
    updated = services.event_update(
        event_id=event.pk, starts_at=new_start, ends_at=new_start + td(hours=1)
    )
    assert updated.sequence == event.sequence + 1
    assert set(mails("events_changed").values_list("recipient", flat=True)) == {a.pk, b.pk, c.pk}
    assert all(event.join_url not in m.body for m in mails("events_changed"))
    # Confirmed attendees get the new .ics; the waiting member gets the news only.
    by_user = {m.recipient_id: m for m in mails("events_changed")}
    assert by_user[a.pk].attachments and by_user[b.pk].attachments
    assert by_user[c.pk].attachments == []


def test_changing_only_the_join_url_sends_nothing_and_keeps_the_sequence(meeting, join):
    event = meeting.event
    rsvp(event, join())
    updated = services.event_update(event_id=event.pk, join_url="https://meet.example.jp/new")
    assert updated.sequence == event.sequence
    assert updated.join_url == "https://meet.example.jp/new"
    assert not OutgoingMail.objects.exists()


def test_event_cancel_notifies_once(meeting, join):
    event = meeting.event
    a, b = join(), join()
    rsvp(event, a)
    rsvp(event, b, going=False)
    services.event_cancel(event_id=event.pk)
    services.event_cancel(event_id=event.pk)
    assert list(mails("events_cancelled").values_list("recipient", flat=True)) == [a.pk]
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED and event.sequence == 1


def test_invalid_times_are_refused(meeting):
    event = meeting.event
    with pytest.raises(services.RegistrationError):
        services.event_update(event_id=event.pk, ends_at=event.starts_at - td(minutes=5))
    event.refresh_from_db()
    assert event.sequence == 0


def test_a_place_event_needs_a_place_in_the_service_itself(meeting):
    event = meeting.event
    with pytest.raises(services.RegistrationError, match="会場を入力"):
        services.event_update(event_id=event.pk, format=Event.Format.PLACE, place="  ")
    with pytest.raises(services.RegistrationError, match="会場を入力"):
        services.event_create(
            kind=event.kind,
            title="会場未定",
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            format=Event.Format.PLACE,
        )
    event.refresh_from_db()
    assert event.format == Event.Format.ONLINE and event.sequence == 0
    moved = services.event_update(event_id=event.pk, format=Event.Format.PLACE, place="市役所 3階")
    assert moved.place == "市役所 3階"


# --- The personal join link ---------------------------------------------------------------


def test_join_link_opens_15_minutes_before_and_records_the_first_click(meeting, join):
    event = meeting.event
    a = join()
    reg = rsvp(event, a).registration
    early = services.registration_open_join_link(
        token=reg.token, user=a, now=event.starts_at - td(minutes=16)
    )
    assert early.state == "too_early" and early.url == ""
    reg.refresh_from_db()
    assert reg.first_clicked_at is None
    t1 = event.starts_at - td(minutes=14)
    link = services.registration_open_join_link(token=reg.token, user=a, now=t1)
    assert link.state == "open" and link.url == event.join_url
    services.registration_open_join_link(token=reg.token, user=a, now=t1 + td(minutes=5))
    reg.refresh_from_db()
    assert reg.first_clicked_at == t1


def test_join_link_follows_a_last_minute_url_change(meeting, join):
    event = meeting.event
    a = join()
    reg = rsvp(event, a).registration
    services.event_update(event_id=event.pk, join_url="https://meet.example.jp/moved")
    link = services.registration_open_join_link(token=reg.token, user=a, now=event.starts_at)
    assert link.url == "https://meet.example.jp/moved"


def test_someone_elses_link_does_not_resolve(meeting, join):
    a, b = join(), join()
    reg = rsvp(meeting.event, a).registration
    with pytest.raises(Registration.DoesNotExist):
        services.registration_open_join_link(token=reg.token, user=b)


def test_waitlisted_member_gets_no_join_url(meeting, join):
    event = meeting.event
    users = [join() for _ in range(3)]
    regs = [rsvp(event, u).registration for u in users]
    link = services.registration_open_join_link(
        token=regs[2].token, user=users[2], now=event.starts_at
    )
    assert link.state == "not_confirmed" and link.url == ""


def test_join_link_respects_the_setting(meeting, join, settings):
    settings.EVENTS_JOIN_LINK_OPENS_MINUTES = 30
    event = meeting.event
    a = join()
    reg = rsvp(event, a).registration
    link = services.registration_open_join_link(
        token=reg.token, user=a, now=event.starts_at - td(minutes=25)
    )
    assert link.state == "open"


def test_the_ics_attachment_is_a_well_formed_calendar_part(meeting, join, mailoutbox):
    import icalendar

    from outbox.services import mail_deliver

    a, b = join(), join()
    event = meeting.event
    event.capacity = 1
    event.save()
    rsvp(event, a)
    rsvp(event, b)
    rsvp(event, a, going=False)
    mail_deliver(mail_id=mails("events_promoted").get().pk)
    message = mailoutbox[0].message()
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_params() == [("text/calendar", ""), ("charset", "utf-8")]
    cal = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == event.title
