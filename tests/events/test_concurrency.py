"""N parallel RSVPs for K seats on PostgreSQL: exactly K confirmed, the rest waitlisted."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from events import services
from events.models import Registration
from tests.factories import MeetingFactory, SectionMembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N, K = 24, 5


def test_parallel_rsvps_fill_exactly_the_seats(postgres, local_governments):
    meeting = MeetingFactory(event__capacity=K)
    users = [SectionMembershipFactory(section=meeting.section).user for _ in range(N)]
    barrier = threading.Barrier(N)
    errors: list[BaseException] = []

    def attempt(user):
        try:
            barrier.wait(timeout=30)
            services.registration_rsvp(event_id=meeting.event.pk, user=user, going=True)
            # A double click from the same member at the same moment changes nothing.
            services.registration_rsvp(event_id=meeting.event.pk, user=user, going=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert errors == []
    statuses = list(Registration.objects.values_list("status", flat=True))
    assert len(statuses) == N
    assert statuses.count(Registration.Status.GOING) == K
    assert statuses.count(Registration.Status.WAITLISTED) == N - K
    # The waitlist is a strict order: positions 1..N-K without gaps or ties.
    from events.selectors import waitlist_position

    positions = sorted(
        waitlist_position(r)
        for r in Registration.objects.filter(status=Registration.Status.WAITLISTED)
    )
    assert positions == list(range(1, N - K + 1))


def test_parallel_cancellations_promote_each_waiting_member_once(postgres, local_governments):
    meeting = MeetingFactory(event__capacity=K)
    users = [SectionMembershipFactory(section=meeting.section).user for _ in range(2 * K)]
    for user in users:
        services.registration_rsvp(event_id=meeting.event.pk, user=user, going=True)
    barrier = threading.Barrier(K)
    errors: list[BaseException] = []

    def cancel(user):
        try:
            barrier.wait(timeout=30)
            services.registration_cancel(event_id=meeting.event.pk, user=user)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(u,)) for u in users[:K]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert errors == []
    going = set(
        Registration.objects.filter(status=Registration.Status.GOING).values_list(
            "user_id", flat=True
        )
    )
    assert going == {u.pk for u in users[K:]}
    from outbox.models import OutgoingMail

    assert OutgoingMail.objects.filter(template="events_promoted").count() == K


def test_parallel_reminder_scans_queue_each_reminder_once(postgres, local_governments):
    from django.utils import timezone

    from outbox.models import OutgoingMail

    meeting = MeetingFactory()
    users = [SectionMembershipFactory(section=meeting.section).user for _ in range(10)]
    earlier = timezone.now() - timezone.timedelta(days=1)
    for user in users:
        services.registration_rsvp(event_id=meeting.event.pk, user=user, going=True, now=earlier)
    moment = meeting.event.starts_at - timezone.timedelta(minutes=30)
    scans = 6
    barrier = threading.Barrier(scans)
    errors: list[BaseException] = []

    def scan():
        try:
            barrier.wait(timeout=30)
            services.reminders_send_due(now=moment)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(scans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert errors == []
    assert OutgoingMail.objects.filter(template="events_reminder").count() == len(users)


# --- Waitlist order is lock order (issue 9, item 13) ---------------------------------------


def _record_lock_order(monkeypatch) -> list[str]:
    """Wrap the event lock so that each thread appends its name right after the lock is
    granted. The list is written while the lock is held, so its order is lock order."""
    order: list[str] = []
    real_lock = services._lock_event

    def locked(event_id):
        event = real_lock(event_id)
        order.append(threading.current_thread().name)
        return event

    monkeypatch.setattr(services, "_lock_event", locked)
    return order


def _queue_names(event, names_by_user_id) -> list[str]:
    """The waitlist in the order the service promotes it and the selector numbers it."""
    from events.selectors import waitlist_position

    waiting = Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
    by_position = sorted(waiting, key=waitlist_position)
    return [names_by_user_id[r.user_id] for r in by_position]


def test_a_member_delayed_before_the_lock_queues_after_the_one_who_locked_first(
    postgres, local_governments, monkeypatch
):
    """A request that read the clock, then waited (descheduled, or queued behind the lock)
    while another member took the lock and got a waitlist place, must queue behind that
    member: the position shown to the first one never moves back."""
    meeting = MeetingFactory(event__capacity=1)
    event = meeting.event
    holder, early, late = (SectionMembershipFactory(section=meeting.section).user for _ in "abc")
    services.registration_rsvp(event_id=event.pk, user=holder, going=True)
    order = _record_lock_order(monkeypatch)
    late_done = threading.Event()
    real_locked = services._lock_event
    errors: list[BaseException] = []

    def delayed_lock(event_id):
        if threading.current_thread().name == "early":
            # Entered the service first, but gets the lock only after "late" committed.
            assert late_done.wait(timeout=30)
        return real_locked(event_id)

    monkeypatch.setattr(services, "_lock_event", delayed_lock)

    def rsvp(user, done=None):
        try:
            services.registration_rsvp(event_id=event.pk, user=user, going=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            if done is not None:
                done.set()
            connection.close()

    first = threading.Thread(target=rsvp, args=(early,), name="early")
    first.start()
    second = threading.Thread(target=rsvp, args=(late, late_done), name="late")
    second.start()
    second.join(timeout=60)
    first.join(timeout=60)
    close_old_connections()
    assert errors == []
    assert order == ["late", "early"]
    assert _queue_names(event, {early.pk: "early", late.pk: "late"}) == ["late", "early"]
    # The seat frees: the member who locked first is promoted first.
    services.registration_cancel(event_id=event.pk, user=holder)
    assert Registration.objects.get(event=event, user=late).status == Registration.Status.GOING
    assert Registration.objects.get(event=event, user=early).status == (
        Registration.Status.WAITLISTED
    )


def test_under_many_parallel_rsvps_the_queue_order_is_the_lock_order(
    postgres, local_governments, monkeypatch
):
    n, seats = 60, 3
    meeting = MeetingFactory(event__capacity=seats)
    event = meeting.event
    users = [SectionMembershipFactory(section=meeting.section).user for _ in range(n)]
    names = {user.pk: f"m{i}" for i, user in enumerate(users)}
    order = _record_lock_order(monkeypatch)
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def attempt(user):
        try:
            barrier.wait(timeout=30)
            services.registration_rsvp(event_id=event.pk, user=user, going=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,), name=names[u.pk]) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    assert errors == []
    assert len(order) == n
    going = Registration.objects.filter(event=event, status=Registration.Status.GOING)
    # The first `seats` lock holders took the seats; everyone after them queued in turn.
    assert {names[uid] for uid in going.values_list("user_id", flat=True)} == set(order[:seats])
    assert _queue_names(event, names) == order[seats:]
