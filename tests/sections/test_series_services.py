"""Meeting series: rule kinds, holidays, top-up, the three edit scopes, splitting, ending,
joining the whole series. Every test pins `now` (a Monday in January 2027, JST) and passes
it to the services, so the dates are exact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db.models import Q
from django.utils import timezone

from core.jst import JST
from events import services as event_services
from events.models import Event, Registration
from outbox.models import OutgoingMail
from sections import recurrence, series_services
from sections import services as section_services
from sections.models import Meeting, MeetingSeries, SeriesSubscription
from sections.recurrence import Rule
from sections.services import SectionError
from tests.factories import MemberFactory, SectionFactory, SectionMembershipFactory

pytestmark = pytest.mark.django_db
D = dt.date
NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=JST)  # Monday 4 January 2027, 09:00 JST
R = Registration.Status


# --- rule kinds (dateutil) and holidays (jpholiday) ----------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            Rule("weekly", ("MO", "TH"), starts_on=D(2027, 1, 4), ends_on=D(2027, 1, 21)),
            [D(2027, 1, 4), D(2027, 1, 7), D(2027, 1, 11), D(2027, 1, 14), D(2027, 1, 18),
             D(2027, 1, 21)],
        ),
        (
            Rule("biweekly", ("WE",), starts_on=D(2027, 1, 4), count=4),
            [D(2027, 1, 6), D(2027, 1, 20), D(2027, 2, 3), D(2027, 2, 17)],
        ),
        (
            Rule("fourweekly", ("FR",), starts_on=D(2027, 1, 4), ends_on=D(2027, 4, 30)),
            [D(2027, 1, 8), D(2027, 2, 5), D(2027, 3, 5), D(2027, 4, 2), D(2027, 4, 30)],
        ),
        (
            Rule("monthly_nth", ("TU",), week_of_month=2, starts_on=D(2027, 1, 1), count=4),
            [D(2027, 1, 12), D(2027, 2, 9), D(2027, 3, 9), D(2027, 4, 13)],
        ),
        (
            Rule("monthly_last", ("FR",), starts_on=D(2027, 1, 1), ends_on=D(2027, 4, 30)),
            [D(2027, 1, 29), D(2027, 2, 26), D(2027, 3, 26), D(2027, 4, 30)],
        ),
        (
            Rule("monthly_date", month_day=31, starts_on=D(2027, 1, 1), ends_on=D(2027, 7, 31)),
            [D(2027, 1, 31), D(2027, 3, 31), D(2027, 5, 31), D(2027, 7, 31)],
        ),
    ],
    ids=["weekly-mo-th", "biweekly", "fourweekly", "2nd-tuesday", "last-friday", "31st"],
)  # fmt: skip
def test_each_rule_kind_gives_its_dates(rule, expected):
    assert recurrence.rule_dates(rule) == expected
    assert series_services.rule_check(rule)  # usable


def test_holidays_are_skipped_or_kept_per_series():
    mondays = Rule("weekly", ("MO",), starts_on=D(2027, 1, 4), ends_on=D(2027, 3, 29))
    skipped = recurrence.skipped_dates(mondays)
    assert skipped == [D(2027, 1, 11), D(2027, 3, 22)]  # 成人の日, 春分の日 振替休日
    assert D(2027, 1, 11) not in recurrence.meeting_dates(mondays)
    assert recurrence.holiday_name(D(2027, 1, 11)) == "成人の日"
    kept = Rule("weekly", ("MO",), starts_on=D(2027, 1, 4), ends_on=D(2027, 3, 29),
                skip_holidays=False)  # fmt: skip
    assert recurrence.skipped_dates(kept) == []
    assert D(2027, 1, 11) in recurrence.meeting_dates(kept)


def test_labels():
    assert recurrence.describe(Rule("weekly", ("SA",)), dt.time(21, 0)) == "毎週土曜 21:00〜"
    assert recurrence.describe(Rule("monthly_nth", ("TU",), week_of_month=2)) == "毎月第2火曜"
    assert recurrence.describe(Rule("biweekly", ("MO", "TH"))) == "2週ごと 月・木曜"
    assert recurrence.describe(Rule("monthly_last", ("FR",))) == "毎月最終金曜"
    assert recurrence.describe(Rule("monthly_date", month_day=15)) == "毎月15日"


# --- creating and topping up ----------------------------------------------------------------


@pytest.fixture
def people():
    section = SectionFactory(name="予防接種課", slug="yobou")
    head = SectionMembershipFactory(section=section, role="head").user
    members = [SectionMembershipFactory(section=section).user for _ in range(3)]
    return section, head, members


def make_series(section, head, now=NOW, **overrides):
    fields = {
        "title": "ワクチン接種 情報交換会",
        "description": "近況と課題の共有",
        "repeat": "weekly",
        "weekdays": ["MO"],
        "starts_on": now.date(),
        "ends_on": D(2027, 6, 28),
        "start_time": dt.time(21, 0),
        "duration_minutes": 60,
        "format": "online",
        "join_url": "https://meet.example.jp/vaccine",
        **overrides,
    }
    return series_services.series_create(section_id=section.pk, actor=head, now=now, **fields)


def dates_of(series_or_parts) -> list[dt.date]:
    parts = series_or_parts if isinstance(series_or_parts, list) else [series_or_parts]
    return [
        m.event.starts_at.astimezone(JST).date()
        for m in Meeting.objects.filter(series__in=parts)
        .select_related("event")
        .order_by("event__starts_at")
        if not m.event.is_cancelled
    ]


def test_create_makes_ordinary_meetings_for_the_next_twelve_weeks(people):
    section, head, _ = people
    series = make_series(section, head)
    meetings = list(series.meetings.select_related("event").order_by("original_date"))
    # 12 weeks of Mondays from 4 Jan, less 成人の日 (11 Jan) and 春分の日 振替 (22 Mar).
    expected = [d for d in recurrence.meeting_dates(Rule.of(series)) if d <= D(2027, 3, 29)]
    assert [m.original_date for m in meetings] == expected
    assert D(2027, 1, 11) not in expected and D(2027, 3, 22) not in expected
    first = meetings[0]
    assert first.event.starts_at == dt.datetime(2027, 1, 4, 21, 0, tzinfo=JST)
    assert first.event.ends_at == dt.datetime(2027, 1, 4, 22, 0, tzinfo=JST)
    assert first.event.kind == "section_meeting" and first.section == section
    assert first.event.title == "ワクチン接種 情報交換会"
    assert first.event.join_url == "https://meet.example.jp/vaccine"


def test_top_up_is_idempotent_and_follows_the_clock(people):
    section, head, _ = people
    series = make_series(section, head)
    count = series.meetings.count()
    assert series_services.series_top_up(now=NOW) == 0
    assert series_services.series_top_up(now=NOW) == 0
    assert series.meetings.count() == count
    # A week later one more Monday comes within twelve weeks.
    assert series_services.series_top_up(now=NOW + dt.timedelta(days=7)) == 1
    assert series.meetings.count() == count + 1
    # The constraint refuses a duplicate even if the check were skipped.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            section=section,
            event=Event.objects.create(
                kind="section_meeting", title="x", starts_at=NOW, ends_at=NOW + dt.timedelta(1)
            ),
            series=series,
            original_date=series.meetings.first().original_date,
        )


def test_horizon_is_a_setting(people, settings):
    settings.SECTIONS_SERIES_HORIZON_WEEKS = 2
    section, head, _ = people
    series = make_series(section, head)
    assert [m.original_date for m in series.meetings.order_by("original_date")] == [
        D(2027, 1, 4),
        D(2027, 1, 18),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": D(2027, 1, 1)}, "終了日は開始日より後"),
        ({"repeat": "monthly_date", "weekdays": [], "month_day": 31,
          "ends_on": D(2027, 2, 28), "starts_on": D(2027, 2, 1)}, "開催日が1日もありません"),
        ({"weekdays": ["MO"], "starts_on": D(2027, 1, 11), "ends_on": D(2027, 1, 11)},
         "開催日が1日もありません"),  # the one Monday is 成人の日
        ({"ends_on": D(2029, 1, 5)}, "2年以内"),
        ({"ends_on": None, "count": 120}, "2年以内"),
        ({"ends_on": None}, "終了日か回数"),
        ({"count": 3}, "終了日か回数"),
        ({"weekdays": []}, "曜日を1つ以上"),
        ({"repeat": "monthly_nth", "week_of_month": 7}, "第何週"),
        ({"starts_on": D(2027, 1, 3)}, "今日以降"),
        ({"duration_minutes": 5}, "長さ"),
        ({"format": "place", "place": ""}, "会場"),
        ({"weekdays": ["XX"]}, "曜日の指定"),
    ],
    ids=["end-before-start", "no-31st", "only-a-holiday", "over-two-years", "count-too-long",
         "no-end", "both-ends", "no-weekday", "bad-week", "past-start", "too-short",
         "no-place", "bad-weekday"],
)  # fmt: skip
def test_bad_series_are_refused_and_nothing_is_saved(people, overrides, message):
    section, head, _ = people
    with pytest.raises(SectionError) as exc:
        make_series(section, head, **overrides)
    assert message in exc.value.message
    assert MeetingSeries.objects.count() == 0
    assert Meeting.objects.count() == 0 and Event.objects.count() == 0


def test_only_heads_create_series(people):
    section, _, members = people
    with pytest.raises(SectionError):
        make_series(section, members[0])
    assert MeetingSeries.objects.count() == 0


# --- この回だけ -------------------------------------------------------------------------------


def _meeting(series, day: dt.date) -> Meeting:
    """The meeting of the series (any of its parts) on its series date `day`."""
    root = series.root_id or series.pk
    return Meeting.objects.select_related("event").get(
        Q(series_id=root) | Q(series__root_id=root), original_date=day
    )


def test_this_meeting_only_moves_one_and_mails_its_attendees(people):
    section, head, members = people
    series = make_series(section, head)
    target = _meeting(series, D(2027, 1, 18))
    event_services.registration_rsvp(event_id=target.event_id, user=members[0], going=True, now=NOW)
    sunday = dt.datetime(2027, 1, 17, 21, 0, tzinfo=JST)
    section_services.meeting_update(
        meeting_id=target.pk, actor=head, now=NOW,
        starts_at=sunday, ends_at=sunday + dt.timedelta(hours=1),
    )  # fmt: skip
    target.refresh_from_db()
    target.event.refresh_from_db()
    assert target.event.starts_at == sunday and target.has_own_changes
    assert target.original_date == D(2027, 1, 18)  # still the series' date
    others = Meeting.objects.filter(series=series).exclude(pk=target.pk).select_related("event")
    assert all(m.event.starts_at.astimezone(JST).weekday() == 0 for m in others)
    changed = OutgoingMail.objects.get(template="events_changed")
    assert changed.to_email == members[0].email and "1月17日" in changed.body
    assert changed.attachments and "BEGIN:VCALENDAR" in changed.attachments[0]["content"]
    # A second top-up does not bring the Monday back.
    assert series_services.series_top_up(now=NOW) == 0


def test_this_meeting_only_cancel(people):
    section, head, members = people
    series = make_series(section, head)
    target = _meeting(series, D(2027, 1, 25))
    event_services.registration_rsvp(event_id=target.event_id, user=members[0], going=True, now=NOW)
    section_services.meeting_cancel(meeting_id=target.pk, actor=head, now=NOW)
    target.event.refresh_from_db()
    assert target.event.is_cancelled
    assert OutgoingMail.objects.filter(template="events_cancelled").count() == 1
    assert series_services.series_top_up(now=NOW) == 0  # the date is not recreated
    assert Event.objects.filter(status="scheduled").count() == series.meetings.count() - 1


def test_past_meetings_never_change(people):
    section, head, _ = people
    series = make_series(section, head)
    first = _meeting(series, D(2027, 1, 4))
    later = NOW + dt.timedelta(days=2)  # the 4 January meeting is over
    with pytest.raises(SectionError, match="開始した回"):
        section_services.meeting_update(
            meeting_id=first.pk, actor=head, now=later, title="書き換え"
        )
    with pytest.raises(SectionError, match="開始した回"):
        section_services.meeting_cancel(meeting_id=first.pk, actor=head, now=later)
    with pytest.raises(SectionError):
        series_services.series_update_following(
            meeting_id=first.pk, actor=head, now=later, start_time=dt.time(20, 0)
        )
    series_services.series_update_all(
        series_id=series.pk, actor=head, now=later, title="新しい名前", start_time=dt.time(20, 0)
    )
    first.event.refresh_from_db()
    assert first.event.title == "ワクチン接種 情報交換会"
    assert first.event.starts_at == dt.datetime(2027, 1, 4, 21, 0, tzinfo=JST)
    assert not first.event.is_cancelled


# --- すべての回 -----------------------------------------------------------------------------


def test_all_meetings_change_except_own_changes_and_past_with_one_mail_each(people):
    section, head, members = people
    series = make_series(section, head)
    moved = _meeting(series, D(2027, 1, 25))
    section_services.meeting_update(meeting_id=moved.pk, actor=head, now=NOW, title="特別回")
    for meeting in series.meetings.all():
        event_services.registration_rsvp(
            event_id=meeting.event_id, user=members[0], going=True, now=NOW
        )
    mail.outbox.clear()
    OutgoingMail.objects.all().delete()
    later = NOW + dt.timedelta(days=1)  # 4 January is over
    change = series_services.series_update_all(
        series_id=series.pk,
        actor=head,
        now=later,
        start_time=dt.time(20, 0),
        title="新・情報交換会",
    )
    upcoming = Meeting.objects.filter(series=series, original_date__gt=D(2027, 1, 4))
    upcoming = upcoming.select_related("event").order_by("original_date")
    for meeting in upcoming:
        local = meeting.event.starts_at.astimezone(JST)
        if meeting.pk == moved.pk:
            assert (local.hour, meeting.event.title) == (21, "特別回")  # its own changes stay
        else:
            assert (local.hour, meeting.event.title) == (20, "新・情報交換会")
    assert len(change.updated) == upcoming.count() - 1
    first = _meeting(series, D(2027, 1, 4))
    assert first.event.starts_at.astimezone(JST).hour == 21  # past: unchanged
    series.refresh_from_db()
    assert series.start_time == dt.time(20, 0) and series.sequence == 1
    # One mail for the member (not one per meeting), with one calendar file of them all.
    mails = list(OutgoingMail.objects.all())
    assert [m.template for m in mails] == ["sections_series_changed"]
    assert mails[0].to_email == members[0].email
    assert mails[0].body.count("20:00") == len(change.updated)
    ics = mails[0].attachments[0]["content"]
    assert ics.count("BEGIN:VEVENT") == len(change.updated)
    # New meetings from the top-up take the new defaults.
    series_services.series_top_up(now=NOW + dt.timedelta(days=7))
    newest = series.meetings.select_related("event").order_by("-original_date").first()
    assert newest.event.starts_at.astimezone(JST).hour == 20


def test_lowering_capacity_on_all_keeps_everyone_going(people):
    section, head, members = people
    series = make_series(section, head, capacity=5)
    target = _meeting(series, D(2027, 1, 18))
    for user in members:
        event_services.registration_rsvp(event_id=target.event_id, user=user, going=True, now=NOW)
    series_services.series_update_all(series_id=series.pk, actor=head, now=NOW, capacity=1)
    target.event.refresh_from_db()
    assert target.event.capacity == 1
    assert Registration.objects.filter(event=target.event, status=R.GOING).count() == 3
    newcomer = SectionMembershipFactory(section=section).user
    outcome = event_services.registration_rsvp(
        event_id=target.event_id, user=newcomer, going=True, now=NOW
    ).outcome
    assert outcome == "waitlisted"  # no new seat


# --- この回以降 (splitting) -------------------------------------------------------------------


def test_following_splits_the_series_and_keeps_every_seat(people):
    section, head, members = people
    series = make_series(section, head)
    split_day = D(2027, 2, 1)
    regs = {}
    for meeting in series.meetings.select_related("event"):
        result = event_services.registration_rsvp(
            event_id=meeting.event_id, user=members[0], going=True, now=NOW
        )
        regs[meeting.pk] = result.registration.token
    before = {m.pk: m.event.starts_at for m in series.meetings.select_related("event")}
    target = _meeting(series, split_day)
    OutgoingMail.objects.all().delete()
    change = series_services.series_update_following(
        meeting_id=target.pk, actor=head, now=NOW, weekdays=["SA"], start_time=dt.time(20, 0)
    )
    series.refresh_from_db()
    new = change.series
    assert new.pk != series.pk and new.root_id == series.pk
    assert series.ends_on == D(2027, 1, 31) and new.starts_on == split_day
    assert new.weekdays == "SA" and new.ends_on == D(2027, 6, 28)
    # Before the split: unchanged. From it: the same meetings, now on Saturdays at 20:00.
    for meeting in Meeting.objects.filter(pk__in=before).select_related("event"):
        if meeting.pk in [m.pk for m in change.updated]:
            local = meeting.event.starts_at.astimezone(JST)
            assert (local.weekday(), local.hour) == (5, 20)
            assert meeting.series_id == new.pk
            assert meeting.original_date == local.date()
        else:
            assert meeting.event.starts_at == before[meeting.pk]
        reg = Registration.objects.get(event=meeting.event, user=members[0])
        assert reg.status == R.GOING and reg.token == regs[meeting.pk]  # same seat and link
    assert target.pk in [m.pk for m in change.updated]
    assert change.cancelled == []
    # The dates of the whole series: Mondays in January, then Saturdays.
    dates = dates_of([series, new])
    assert [d for d in dates if d < split_day] == [D(2027, 1, 4), D(2027, 1, 18), D(2027, 1, 25)]
    assert all(d.weekday() == 5 for d in dates if d >= split_day)
    assert [m.template for m in OutgoingMail.objects.all()] == ["sections_series_changed"]
    # The subscriber's page: one series (the root), two parts.
    assert series.get_absolute_url() == new.get_absolute_url()


def test_following_to_a_sparser_rule_cancels_the_meetings_without_a_date(people):
    section, head, members = people
    series = make_series(section, head)
    target = _meeting(series, D(2027, 2, 1))
    gone = _meeting(series, D(2027, 2, 8))
    event_services.registration_rsvp(event_id=gone.event_id, user=members[1], going=True, now=NOW)
    change = series_services.series_update_following(
        meeting_id=target.pk, actor=head, now=NOW, repeat="biweekly"
    )
    gone.event.refresh_from_db()
    assert gone.event.is_cancelled
    assert gone.pk in [m.pk for m in change.cancelled]
    new = change.series
    assert dates_of(new)[:3] == [D(2027, 2, 1), D(2027, 2, 15), D(2027, 3, 1)]
    mail_ = OutgoingMail.objects.get(template="sections_series_changed", to_email=members[1].email)
    assert "中止になった回" in mail_.body


def test_following_on_the_first_meeting_changes_the_series_in_place(people):
    section, head, _ = people
    series = make_series(section, head)
    first = _meeting(series, D(2027, 1, 4))
    change = series_services.series_update_following(
        meeting_id=first.pk, actor=head, now=NOW, start_time=dt.time(19, 0)
    )
    assert change.series.pk == series.pk
    assert MeetingSeries.objects.count() == 1
    assert {d.hour for d in Event.objects.values_list("starts_at", flat=True)} == {10}  # 19 JST


def test_following_twice_supersedes_the_later_part(people):
    section, head, _ = people
    series = make_series(section, head)
    change1 = series_services.series_update_following(
        meeting_id=_meeting(series, D(2027, 2, 15)).pk, actor=head, now=NOW, weekdays=["TU"]
    )
    # Now split earlier: the Tuesday part (from 16 Feb) is superseded by the new one.
    change2 = series_services.series_update_following(
        meeting_id=_meeting(series, D(2027, 2, 1)).pk, actor=head, now=NOW, weekdays=["WE"]
    )
    change1.series.refresh_from_db()
    assert recurrence.rule_dates(Rule.of(change1.series)) == []
    parts = [series, change1.series, change2.series]
    dates = dates_of(parts)
    assert all(d.weekday() == 2 for d in dates if d >= D(2027, 2, 1))
    assert len(dates) == len(set(dates))


def test_following_refuses_bad_rules_and_changes_nothing(people):
    section, head, _ = people
    series = make_series(section, head)
    target = _meeting(series, D(2027, 2, 1))
    snapshot = list(Event.objects.order_by("pk").values_list("starts_at", "status"))
    for bad in ({"ends_on": D(2027, 1, 1)}, {"weekdays": []}, {"ends_on": D(2029, 3, 1)}):
        with pytest.raises(SectionError):
            series_services.series_update_following(
                meeting_id=target.pk, actor=head, now=NOW, **bad
            )
    assert list(Event.objects.order_by("pk").values_list("starts_at", "status")) == snapshot
    assert MeetingSeries.objects.count() == 1
    with pytest.raises(SectionError):  # a member, not a head
        series_services.series_update_following(
            meeting_id=target.pk,
            actor=SectionMembershipFactory(section=section).user,
            now=NOW,
            start_time=dt.time(8, 0),
        )


def test_end_from_a_meeting_cancels_it_and_everything_after(people):
    section, head, members = people
    series = make_series(section, head)
    target = _meeting(series, D(2027, 2, 15))
    event_services.registration_rsvp(event_id=target.event_id, user=members[0], going=True, now=NOW)
    change = series_services.series_end(
        series_id=series.pk, actor=head, from_meeting_id=target.pk, now=NOW
    )
    assert dates_of(series) == [D(2027, 1, 4), D(2027, 1, 18), D(2027, 1, 25), D(2027, 2, 1),
                                D(2027, 2, 8)]  # fmt: skip
    assert (
        len(change.cancelled) == series.meetings.filter(original_date__gte=D(2027, 2, 15)).count()
    )
    series.refresh_from_db()
    assert series.ends_on == D(2027, 2, 14)
    assert series_services.series_top_up(now=NOW + dt.timedelta(days=30)) == 0
    assert OutgoingMail.objects.filter(template="sections_series_changed").count() == 1


# --- シリーズに参加 -------------------------------------------------------------------------


def test_join_registers_every_future_meeting_waitlist_when_full_and_new_ones_later(people):
    section, head, members = people
    series = make_series(section, head, capacity=1)
    full = _meeting(series, D(2027, 1, 25))
    event_services.registration_rsvp(event_id=full.event_id, user=members[1], going=True, now=NOW)
    declined = _meeting(series, D(2027, 2, 1))
    event_services.registration_rsvp(
        event_id=declined.event_id, user=members[0], going=False, now=NOW
    )
    result = series_services.series_join(series_id=series.pk, user=members[0], now=NOW)
    total = series.meetings.count()
    assert (result.going, result.waitlisted, result.skipped) == (total - 2, 1, 1)
    statuses = dict(Registration.objects.filter(user=members[0]).values_list("event_id", "status"))
    assert statuses[full.event_id] == R.WAITLISTED
    assert statuses[declined.event_id] == R.NOT_GOING  # their answer stays
    # Each meeting keeps its own personal link.
    tokens = Registration.objects.filter(user=members[0]).values_list("token", flat=True)
    assert len(set(tokens)) == total
    # Joining twice changes nothing.
    again = series_services.series_join(series_id=series.pk, user=members[0], now=NOW)
    assert (again.going, again.waitlisted, again.was_subscribed) == (0, 0, True)
    # The top-up registers them for the new meeting.
    series_services.series_top_up(now=NOW + dt.timedelta(days=7))
    newest = series.meetings.order_by("-original_date").first()
    assert Registration.objects.get(event_id=newest.event_id, user=members[0]).status == R.GOING


def test_waitlist_order_is_the_usual_one(people):
    section, head, members = people
    series = make_series(section, head, capacity=1)
    target = _meeting(series, D(2027, 1, 18))
    event_services.registration_rsvp(event_id=target.event_id, user=members[2], going=True, now=NOW)
    series_services.series_join(series_id=series.pk, user=members[0], now=NOW)
    series_services.series_join(
        series_id=series.pk, user=members[1], now=NOW + dt.timedelta(minutes=1)
    )
    event_services.registration_cancel(
        event_id=target.event_id, user=members[2], now=NOW + dt.timedelta(minutes=2)
    )
    going = Registration.objects.get(event=target.event, status=R.GOING)
    assert going.user == members[0]  # first in the queue is promoted


def test_leave_cancels_every_future_meeting_in_one_step(people):
    section, head, members = people
    series = make_series(section, head)
    series_services.series_join(series_id=series.pk, user=members[0], now=NOW)
    later = NOW + dt.timedelta(days=1)  # 4 January is over
    result = series_services.series_leave(series_id=series.pk, user=members[0], now=later)
    assert result.cancelled == series.meetings.count() - 1
    first = _meeting(series, D(2027, 1, 4))
    assert Registration.objects.get(event=first.event, user=members[0]).status == R.GOING
    assert not Registration.objects.filter(
        user=members[0], status=R.GOING, event__starts_at__gt=later
    ).exists()
    assert not SeriesSubscription.objects.exists()
    series_services.series_top_up(now=NOW + dt.timedelta(days=7))
    newest = series.meetings.order_by("-original_date").first()
    assert not Registration.objects.filter(event_id=newest.event_id, user=members[0]).exists()
    again = series_services.series_leave(series_id=series.pk, user=members[0], now=later)
    assert (again.was_subscribed, again.cancelled) == (False, 0)


def test_joined_series_follow_splits(people):
    section, head, members = people
    series = make_series(section, head)
    series_services.series_join(series_id=series.pk, user=members[0], now=NOW)
    change = series_services.series_update_following(
        meeting_id=_meeting(series, D(2027, 2, 1)).pk, actor=head, now=NOW, weekdays=["SU"]
    )
    series_services.series_top_up(now=NOW + dt.timedelta(days=7))
    newest = change.series.meetings.order_by("-original_date").first()
    assert newest.original_date.weekday() == 6
    assert Registration.objects.get(event_id=newest.event_id, user=members[0]).status == R.GOING


def test_section_only_series_need_membership_and_leaving_the_section_ends_the_join(people):
    section, head, members = people
    series = make_series(section, head)
    outsider = MemberFactory()
    with pytest.raises(SectionError, match="メンバー限定"):
        series_services.series_join(series_id=series.pk, user=outsider, now=NOW)
    assert not Registration.objects.filter(user=outsider).exists()
    series_services.series_join(series_id=series.pk, user=members[0], now=NOW)
    section_services.section_leave(section_id=section.pk, user=members[0])
    assert not SeriesSubscription.objects.filter(user=members[0]).exists()
    series_services.series_top_up(now=NOW + dt.timedelta(days=7))
    newest = series.meetings.order_by("-original_date").first()
    assert not Registration.objects.filter(event_id=newest.event_id, user=members[0]).exists()


def test_the_beat_task_tops_up_and_is_scheduled(people, settings):
    from sections.tasks import series_top_up

    section, head, _ = people
    today = timezone.localdate()
    series = series_services.series_create(
        section_id=section.pk, actor=head, title="定例会", repeat="weekly",
        weekdays=["MO", "TU", "WE", "TH", "FR", "SA", "SU"], starts_on=today,
        ends_on=today + dt.timedelta(days=200), start_time=dt.time(23, 30),
        format="online", join_url="https://meet.example.jp/x",
    )  # fmt: skip
    series.meetings.order_by("-original_date").first().delete()
    assert series_top_up() == 1 and series_top_up() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["sections-series-top-up"]
    assert entry["task"] == "sections.tasks.series_top_up"


def test_withdrawal_ends_the_joins(people):
    from sections.services import personal_data_erase

    section, head, members = people
    series = make_series(section, head)
    series_services.series_join(series_id=series.pk, user=members[0], now=NOW)
    personal_data_erase(user=members[0], emails=[members[0].email])
    assert not SeriesSubscription.objects.filter(user=members[0]).exists()
