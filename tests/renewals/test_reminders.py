"""Reminders through the outbox, exactly once each: at opening, 14 days before the due
date, on the due date, 7 days before the grace ends; none to the confirmed; a beat that
was down sends only the reminder due now."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from outbox.models import OutgoingMail
from renewals import services
from renewals.models import Reminder, Renewal
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
K = Reminder.Kind


@pytest.fixture
def april():
    """FY2026 with the default dates and 5 members approved long before."""
    members = [
        MemberFactory(approved_at=timezone.make_aware(dt.datetime(2025, 4, 1))) for _ in range(5)
    ]
    cycle = services.cycle_create(fiscal_year=2026, **services.cycle_defaults(2026), actor=None)
    return cycle, members


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


def kinds() -> list[tuple[int, str]]:
    return sorted(Reminder.objects.values_list("renewal__user_id", "kind"))


def mails() -> int:
    return OutgoingMail.objects.filter(template="renewal_reminder").count()


def test_the_reminder_due_on_each_day():
    cycle = services.cycle_create(fiscal_year=2026, **services.cycle_defaults(2026), actor=None)
    due = [services.reminder_due(cycle, dt.date(2026, m, d)) for m, d in (
        (3, 14), (3, 15), (4, 15), (4, 16), (4, 29), (4, 30), (5, 1), (5, 23), (5, 24),
        (5, 31), (6, 1),
    )]  # fmt: skip
    assert due == [
        None, K.OPENING, K.OPENING, K.DUE_SOON, K.DUE_SOON, K.DUE, K.DUE, K.DUE,
        K.GRACE_SOON, K.GRACE_SOON, None,
    ]  # fmt: skip


def test_each_reminder_exactly_once_scanning_twice_and_none_to_the_confirmed(april):
    _cycle, members = april
    services.renewals_scan(now=at(3, 15))
    services.renewals_scan(now=at(3, 15, 10))  # the next scan, same day
    assert mails() == 5
    services.renewal_confirm(user=members[0], choice="unchanged", now=at(3, 20))
    for day in ((4, 16), (4, 16), (4, 30), (4, 30), (5, 24), (5, 24)):
        services.renewals_scan(now=at(*day))
    per_member = {m.pk: [k for u, k in kinds() if u == m.pk] for m in members}
    assert per_member[members[0].pk] == [K.OPENING]  # confirmed: nothing more
    for m in members[1:]:
        assert sorted(per_member[m.pk]) == sorted([K.OPENING, K.DUE_SOON, K.DUE, K.GRACE_SOON])
    assert mails() == 1 + 4 * 4
    # Every mail has its own dedupe key: the outbox itself refuses a second one.
    keys = list(
        OutgoingMail.objects.filter(template="renewal_reminder").values_list(
            "dedupe_key", flat=True
        )
    )
    assert len(keys) == len(set(keys))
    body = OutgoingMail.objects.filter(template="renewal_reminder").last().body
    assert "様" in body and "/renewal/" in body and "横糸 事務局" in body


def test_a_beat_down_for_a_week_sends_only_the_reminder_due_now(april):
    _cycle, _members = april
    services.renewals_scan(now=at(3, 15))
    assert mails() == 5
    # Down from 4月10日 to 5月2日: the 14-days-before and the due-date reminders were
    # missed; on 5月2日 only the one due now (the due date's) goes out, once.
    services.renewals_scan(now=at(5, 2))
    services.renewals_scan(now=at(5, 2, 10))
    assert mails() == 10
    assert {k for _u, k in kinds()} == {K.OPENING, K.DUE}
    assert not Reminder.objects.filter(kind=K.DUE_SOON).exists()


def test_a_beat_down_through_the_opening_week_sends_the_current_one(april):
    services.renewals_scan(now=at(4, 20))  # first scan ever, well after the opening
    assert Renewal.objects.count() == 5
    assert {k for _u, k in kinds()} == {K.DUE_SOON}
    assert mails() == 5


def test_nothing_after_the_grace_nor_for_a_closed_cycle(april):
    cycle, _members = april
    services.renewals_scan(now=at(3, 15))
    services.cycle_close(cycle_id=cycle.pk, actor=None, now=at(4, 1))
    services.renewals_scan(now=at(4, 16))
    assert mails() == 5


@pytest.mark.parametrize("n", [20, 120])
def test_a_reminder_batch_costs_the_same_queries_for_few_and_many(n, django_assert_max_num_queries):
    for _ in range(n):
        MemberFactory(approved_at=timezone.make_aware(dt.datetime(2025, 4, 1)))
    cycle = services.cycle_create(fiscal_year=2026, **services.cycle_defaults(2026), actor=None)
    services.cycle_open(cycle_id=cycle.pk, now=at(3, 15))
    with django_assert_max_num_queries(12):
        assert services.reminders_send(now=at(3, 15)) == n
