"""Series on PostgreSQL under concurrency: two (or more) workers topping up at once create
no duplicate; the constraint on series + original date holds even without the lock;
parallel whole-series joins fill each meeting's seats exactly; a join racing the top-up
still gets the new meeting."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from events.models import Registration
from sections import recurrence, series_services
from sections.models import Meeting
from sections.recurrence import Rule
from tests.factories import SectionFactory, SectionMembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _series(settings, weeks=2, **fields):
    settings.SECTIONS_SERIES_HORIZON_WEEKS = weeks
    section = SectionFactory()
    head = SectionMembershipFactory(section=section, role="head").user
    today = timezone.localdate()
    values = {
        "title": "定例会",
        "repeat": "weekly",
        "weekdays": ["MO", "WE", "FR"],
        "starts_on": today + dt.timedelta(days=1),
        "ends_on": today + dt.timedelta(days=200),
        "start_time": dt.time(21, 0),
        "format": "online",
        "join_url": "https://meet.example.jp/x",
        **fields,
    }
    return series_services.series_create(section_id=section.pk, actor=head, **values), section


def _run_parallel(target, args_list):
    barrier = threading.Barrier(len(args_list))
    errors: list[BaseException] = []
    results: list = []

    def run(*args):
        try:
            barrier.wait(timeout=30)
            results.append(target(*args))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    assert errors == []
    return results


def test_parallel_top_ups_create_each_meeting_once(postgres, local_governments, settings):
    series, _ = _series(settings, weeks=1)
    before = series.meetings.count()
    settings.SECTIONS_SERIES_HORIZON_WEEKS = 12
    results = _run_parallel(lambda: series_services.series_top_up(), [()] * 4)
    dates = list(Meeting.objects.filter(series=series).values_list("original_date", flat=True))
    assert len(dates) == len(set(dates))  # no duplicate
    assert sum(results) == len(dates) - before > 20  # made once, by whichever got the lock
    assert series_services.series_top_up() == 0


def test_the_constraint_holds_without_the_lock(postgres, local_governments, settings):
    """Two workers that skip the root lock (as a bug or an old version might) still make
    no duplicate: the unique index refuses the second, which skips the date."""
    series, _ = _series(settings, weeks=1)
    settings.SECTIONS_SERIES_HORIZON_WEEKS = 8
    now = timezone.now()

    def unlocked():
        from django.db import transaction

        with transaction.atomic():
            return len(series_services._top_up_chain(series, [series], now=now))

    before = series.meetings.count()
    results = _run_parallel(unlocked, [()] * 3)
    dates = list(Meeting.objects.filter(series=series).values_list("original_date", flat=True))
    assert len(dates) == len(set(dates))
    expected = [
        d
        for d in recurrence.meeting_dates(Rule.of(series))
        if d <= timezone.localdate(now) + dt.timedelta(weeks=8)
        and recurrence.starts_at(d, series.start_time) > now
    ]
    assert sorted(dates) == expected and len(expected) > before
    assert sum(results) == len(expected) - before  # each date made by exactly one worker


def test_parallel_joins_fill_each_meetings_seats_exactly(postgres, local_governments, settings):
    k, n = 3, 10
    series, section = _series(settings, weeks=2, capacity=k)
    users = [SectionMembershipFactory(section=section).user for _ in range(n)]
    _run_parallel(lambda u: series_services.series_join(series_id=series.pk, user=u),
                  [(u,) for u in users])  # fmt: skip
    for meeting in series.meetings.all():
        statuses = list(
            Registration.objects.filter(event_id=meeting.event_id).values_list("status", flat=True)
        )
        assert statuses.count("going") == k and statuses.count("waitlisted") == n - k


def test_a_join_racing_the_top_up_gets_the_new_meetings(postgres, local_governments, settings):
    """Both lock the series root: either the top-up runs first (the join then registers
    for its meetings) or it skips the locked series (the next run makes the meetings and
    registers the member). No meeting ever misses the member."""
    series, section = _series(settings, weeks=1)
    before = series.meetings.count()
    user = SectionMembershipFactory(section=section).user
    settings.SECTIONS_SERIES_HORIZON_WEEKS = 6
    _run_parallel(
        lambda what: (
            series_services.series_join(series_id=series.pk, user=user)
            if what == "join"
            else series_services.series_top_up()
        ),
        [("join",), ("top-up",)],
    )
    series_services.series_top_up()  # the next hourly run
    made = Meeting.objects.filter(series=series).count()
    assert made > before
    assert Registration.objects.filter(user=user, status="going").count() == made
