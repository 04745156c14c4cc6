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
