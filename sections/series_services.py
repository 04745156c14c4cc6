"""Writes for meeting series (定例の情報交換会): create, top up, edit with a scope, end,
join and leave the whole series.

Every concrete meeting is an ordinary `Meeting` + `events.Event`, created with
`events.services.event_create` and changed with `event_update` / `event_cancel`, so RSVP,
waitlists, personal links, reminders and calendars work as for any meeting.

Lock order: the series' root row (`select_for_update`), then events, then registrations
(the events services take those). Every writer of a series locks its root first, so a
join, an edit and the top-up of one series never interleave; the beat's top-up skips a
series whose root is locked (SKIP LOCKED) and creates its meetings on the next run. The
`UniqueConstraint(series, original_date)` is the last guard against duplicates.

Rules a head or member can break raise `SectionError` (Japanese message) and change
nothing. Past meetings never change."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.jst import format_jst_range
from events import services as event_services
from events.ics import calendar_build, event_component
from events.models import Event, Registration
from outbox.services import mail_enqueue

from . import recurrence, search_docs
from .models import Meeting, MeetingSeries, Section, SectionMembership, SeriesSubscription
from .owner import KIND
from .recurrence import BYDAY, Rule
from .services import SectionError, _require_manager, _require_open

if TYPE_CHECKING:
    from accounts.models import User

R = Registration.Status
Repeat = MeetingSeries.Repeat

DEFAULT_FIELDS = (
    "title",
    "description",
    "start_time",
    "duration_minutes",
    "format",
    "join_url",
    "place",
    "capacity",
    "audience",
)
RULE_FIELDS = (
    "repeat",
    "weekdays",
    "week_of_month",
    "month_day",
    "ends_on",
    "count",
    "skip_holidays",
)
# A meeting moves with a split to a date of the new rule at most this far from its own.
SPLIT_MATCH_DAYS = 6
MIN_DURATION, MAX_DURATION = 15, 720
# Changes of these defaults reach the attendees (as a new time, format or place does).
NOTIFY_DEFAULTS = {"start_time", "duration_minutes", "format", "place"}


@dataclass
class SeriesChange:
    """What an edit did: meetings changed, cancelled, created, moved out of the series."""

    updated: list[Meeting] = field(default_factory=list)
    cancelled: list[Meeting] = field(default_factory=list)
    created: list[Meeting] = field(default_factory=list)
    detached: list[Meeting] = field(default_factory=list)
    series: MeetingSeries | None = None


@dataclass
class JoinResult:
    going: int = 0
    waitlisted: int = 0
    unchanged: int = 0
    skipped: int = 0  # 不参加 answered before, closed, or not eligible
    cancelled: int = 0
    was_subscribed: bool = False


# --- checks -------------------------------------------------------------------------------


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _weekdays(value: Any) -> tuple[str, ...]:
    """BYDAY codes in weekday order, from a list or "MO,TH"."""
    if value is None:
        return ()
    codes = value.split(",") if isinstance(value, str) else list(value)
    codes = [str(code).strip().upper() for code in codes if str(code).strip()]
    unknown = [code for code in codes if code not in BYDAY]
    if unknown:
        raise SectionError("曜日の指定が正しくありません。", "weekdays")
    return tuple(code for code in BYDAY if code in codes)


def rule_check(rule: Rule) -> list[dt.date]:
    """The meeting dates of a rule, or SectionError when the rule cannot be used: no
    start, no end or both, an end before the start, more than two years, no dates."""
    if rule.repeat not in Repeat.values:
        raise SectionError("繰り返しの種類を選んでください。", "repeat")
    weekly = rule.repeat in (Repeat.WEEKLY, Repeat.BIWEEKLY, Repeat.FOURWEEKLY)
    if weekly and not rule.weekdays:
        raise SectionError("曜日を1つ以上選んでください。", "weekdays")
    if rule.repeat in (Repeat.MONTHLY_NTH, Repeat.MONTHLY_LAST) and len(rule.weekdays) != 1:
        raise SectionError("毎月の曜日は1つだけ選んでください。", "weekdays")
    if rule.repeat == Repeat.MONTHLY_NTH and rule.week_of_month not in (1, 2, 3, 4):
        raise SectionError("第何週かを1〜4から選んでください。", "week_of_month")
    if rule.repeat == Repeat.MONTHLY_DATE and not (
        rule.month_day is not None and 1 <= rule.month_day <= 31
    ):
        raise SectionError("日付は1〜31で入力してください。", "month_day")
    if rule.starts_on is None:
        raise SectionError("開始日を入力してください。", "starts_on")
    if rule.starts_on.year > 9000:  # dateutil and date arithmetic end at year 9999
        raise SectionError("開始日が正しくありません。", "starts_on")
    if (rule.ends_on is None) == (rule.count is None):
        raise SectionError("終わりは、終了日か回数のどちらか一方で指定してください。", "end")
    if rule.ends_on is not None and rule.ends_on < rule.starts_on:
        raise SectionError("終了日は開始日より後にしてください。", "ends_on")
    if rule.count is not None and rule.count < 1:
        raise SectionError("回数は1回以上にしてください。", "count")
    limit = rule.starts_on + recurrence.relativedelta(years=recurrence.MAX_YEARS)
    too_long = "シリーズの期間は2年以内にしてください（最後の回が{}まで）。".format(
        f"{limit:%Y年%-m月%-d日}"
    )
    if rule.ends_on is not None and rule.ends_on > limit:
        raise SectionError(too_long, "too_long")
    dates = recurrence.rule_dates(rule)
    if rule.count is not None and len(dates) < rule.count:
        raise SectionError(too_long, "too_long")
    skipped = set(recurrence.skipped_dates(rule, dates))
    meeting_dates = [day for day in dates if day not in skipped]
    if not meeting_dates:
        raise SectionError(
            "この繰り返しの条件では開催日が1日もありません"
            "（祝日を休みにしている場合は、その日も除かれます）。",
            "no_dates",
        )
    return meeting_dates


def _check_defaults(values: dict[str, Any]) -> None:
    if not str(values.get("title") or "").strip():
        raise SectionError("タイトルを入力してください。", "title")
    if len(values["title"]) > 120:
        raise SectionError("タイトルは120文字以内にしてください。", "title")
    if values.get("start_time") is None:
        raise SectionError("開始時刻を入力してください。", "start_time")
    duration = values.get("duration_minutes")
    if not isinstance(duration, int) or not MIN_DURATION <= duration <= MAX_DURATION:
        raise SectionError("長さは15分から720分（12時間）までにしてください。", "duration_minutes")
    if values.get("format") not in Event.Format.values:
        raise SectionError("形式を選んでください。", "format")
    if values["format"] == Event.Format.PLACE and not str(values.get("place") or "").strip():
        raise SectionError("会場で開く会には会場を入力してください。", "place")
    join_url = values.get("join_url") or ""
    if join_url and not join_url.startswith("https://"):
        raise SectionError("参加URLは https:// から始まるURLを入力してください。", "join_url")
    capacity = values.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
        raise SectionError("定員は1人以上にしてください。", "capacity")
    if values.get("audience") not in Meeting.Audience.values:
        raise SectionError("対象を選んでください。", "audience")


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    fields = dict(fields)
    if "weekdays" in fields:
        fields["weekdays"] = ",".join(_weekdays(fields["weekdays"]))
    for name in ("description", "join_url", "place"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    if "title" in fields and isinstance(fields["title"], str):
        fields["title"] = fields["title"].strip()
    if "start_time" in fields and isinstance(fields["start_time"], dt.time):
        fields["start_time"] = fields["start_time"].replace(second=0, microsecond=0)
    return fields


def _rule_from(values: dict[str, Any]) -> Rule:
    return Rule(
        repeat=values["repeat"],
        weekdays=_weekdays(values.get("weekdays")),
        week_of_month=values.get("week_of_month"),
        month_day=values.get("month_day"),
        starts_on=values.get("starts_on"),
        ends_on=values.get("ends_on"),
        count=values.get("count"),
        skip_holidays=bool(values.get("skip_holidays")),
    )


def _unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown series fields: {sorted(unknown)}")


# --- the chain of parts -------------------------------------------------------------------


def _lock_root(series_id: int) -> MeetingSeries:
    root_id = _root_id(series_id)
    if root_id is None:
        raise SectionError("シリーズが見つかりません。", "missing")
    return MeetingSeries.objects.select_for_update(of=("self",)).get(pk=root_id)


def _parts(root: MeetingSeries) -> list[MeetingSeries]:
    """The parts of a series in date order (the root first). The caller holds the root."""
    return list(
        MeetingSeries.objects.filter(Q(pk=root.pk) | Q(root_id=root.pk))
        .select_related("section")
        .order_by("starts_on", "pk")
    )


def _meeting_start(part: MeetingSeries, day: dt.date) -> dt.datetime:
    return recurrence.starts_at(day, part.start_time)


def _event_fields(part: MeetingSeries, day: dt.date) -> dict[str, Any]:
    starts = _meeting_start(part, day)
    return {
        "title": part.title,
        "description": part.description,
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(minutes=part.duration_minutes),
        "format": part.format,
        "join_url": part.join_url,
        "place": part.place if part.format == Event.Format.PLACE else "",
        "capacity": part.capacity,
    }


def _register_subscribers(root: MeetingSeries, meetings: list[Meeting], now: dt.datetime) -> None:
    """A member who joined the whole series is registered for its new meetings too (each
    through the usual RSVP: a seat, or the end of the waitlist). One who may no longer
    register (left the section, suspended) is skipped."""
    if not meetings:
        return
    users = [s.user for s in root.subscriptions.select_related("user").order_by("created_at", "pk")]
    for meeting in meetings:
        for user in users:
            try:
                event_services.registration_rsvp(
                    event_id=meeting.event_id, user=user, going=True, now=now
                )
            except event_services.RegistrationError:
                continue


def _top_up_chain(
    root: MeetingSeries, parts: list[MeetingSeries], *, now: dt.datetime, weeks: int | None = None
) -> list[Meeting]:
    """Create the missing meetings of the next `weeks` weeks. The caller holds the root."""
    weeks = settings.SECTIONS_SERIES_HORIZON_WEEKS if weeks is None else weeks
    today = _today(now)
    until = today + dt.timedelta(weeks=weeks)
    created: list[Meeting] = []
    for part in parts:
        if part.section.status == Section.Status.CLOSED:
            continue
        existing = set(
            Meeting.objects.filter(series=part)
            .exclude(original_date=None)
            .values_list("original_date", flat=True)
        )
        for day in recurrence.meeting_dates(Rule.of(part)):
            if day < today or day > until or day in existing:
                continue
            if _meeting_start(part, day) <= now:
                continue
            try:
                with transaction.atomic():
                    event = event_services.event_create(kind=KIND, **_event_fields(part, day))
                    meeting = Meeting.objects.create(
                        section_id=part.section_id,
                        event=event,
                        audience=part.audience,
                        created_by=part.created_by,
                        series=part,
                        original_date=day,
                    )
            except IntegrityError:  # another worker made it: the constraint said no
                continue
            created.append(meeting)
    search_docs.index_meetings([m.pk for m in created])  # search
    _register_subscribers(root, created, now)
    return created


# --- create and top up --------------------------------------------------------------------


@transaction.atomic
def series_create(
    *, section_id: int, actor: User, now: dt.datetime | None = None, **fields: Any
) -> MeetingSeries:
    """A new series, and its meetings of the next weeks. `fields`: the rule (`repeat`,
    `weekdays`, `week_of_month`, `month_day`, `starts_on`, `ends_on` or `count`,
    `skip_holidays`) and the defaults (`title`, `description`, `start_time`,
    `duration_minutes`, `format`, `join_url`, `place`, `capacity`, `audience`)."""
    now = now or timezone.now()
    _unknown(fields, (*RULE_FIELDS, *DEFAULT_FIELDS, "starts_on"))
    section = Section.objects.select_for_update(of=("self",)).get(pk=section_id)
    _require_open(section)
    _require_manager(section, actor)
    values = _normalise(
        {
            "description": "",
            "join_url": "",
            "place": "",
            "capacity": None,
            "audience": Meeting.Audience.SECTION,
            "duration_minutes": 60,
            "skip_holidays": True,
            "week_of_month": None,
            "month_day": None,
            "ends_on": None,
            "count": None,
            "weekdays": "",
            **fields,
        }
    )
    rule = _rule_from(values)
    if rule.starts_on is not None:
        if rule.starts_on < _today(now):
            raise SectionError("開始日は今日以降にしてください。", "starts_on")
        if rule.starts_on > _today(now) + dt.timedelta(days=366 * recurrence.MAX_YEARS):
            raise SectionError("開始日は2年以内の日にしてください。", "starts_on")
    rule_check(rule)
    _check_defaults(values)
    series = MeetingSeries.objects.create(section=section, created_by=actor, **values)
    _top_up_chain(series, [series], now=now)
    return series


def series_top_up(
    *, series_id: int | None = None, now: dt.datetime | None = None, weeks: int | None = None
) -> int:
    """Beat entry: keep every running series topped up for the next weeks. Idempotent:
    one transaction per series, its root locked with SKIP LOCKED (a series another worker
    or a head is changing is left for the next run); a date that already has a meeting
    gets none (and the database constraint on series + original date refuses a duplicate
    from a parallel run). Returns how many meetings were created."""
    now = now or timezone.now()
    today = _today(now)
    running = MeetingSeries.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    running = running.exclude(section__status=Section.Status.CLOSED)
    if series_id is not None:
        running = running.filter(Q(pk=series_id) | Q(root_id=series_id))
    root_ids = sorted({root_id or pk for pk, root_id in running.values_list("pk", "root_id")})
    created = 0
    for root_id in root_ids:
        with transaction.atomic():
            root = (
                MeetingSeries.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=root_id)
                .first()
            )
            if root is None:
                continue
            created += len(_top_up_chain(root, _parts(root), now=now, weeks=weeks))
    return created


# --- edit: この回以降 and すべての回 ----------------------------------------------------------


def _root_id(series_id: int) -> int | None:
    row = MeetingSeries.objects.filter(pk=series_id).values_list("pk", "root_id").first()
    return (row[1] or row[0]) if row else None


def _meeting_for_edit(
    meeting_id: int, actor: User, now: dt.datetime
) -> tuple[Meeting, MeetingSeries]:
    """The meeting (a future meeting of a series) and its series root, locked."""
    row = Meeting.objects.filter(pk=meeting_id).values_list("series_id").first()
    if row is None:
        raise SectionError("この回が見つかりません。", "missing")
    if row[0] is None:
        raise SectionError("この会はシリーズの回ではありません。", "not_series")
    root = _lock_root(row[0])
    meeting = Meeting.objects.select_related("event", "series", "section").get(pk=meeting_id)
    if meeting.series_id is None:  # moved out of the series while we waited for the lock
        raise SectionError("この会はシリーズの回ではありません。", "not_series")
    _require_manager(meeting.section, actor)
    _require_open(meeting.section)
    if meeting.event.starts_at <= now:
        raise SectionError("開始した回・終わった回は変更できません。", "past")
    if meeting.event.is_cancelled:
        raise SectionError("中止した回は変更できません。", "cancelled")
    if meeting.original_date is None or meeting.original_date < _today(now):
        raise SectionError(
            "この回はもとの開催日を過ぎています。次の回から「この回以降」を選んでください。",
            "past",
        )
    return meeting, root


def _snapshot(event: Event) -> tuple:
    return (event.starts_at, event.ends_at, event.format, event.place)


def _apply_defaults(
    meeting: Meeting,
    part: MeetingSeries,
    day: dt.date,
    names: set[str],
    now: dt.datetime,
    change: SeriesChange,
) -> None:
    """Give a meeting its part's defaults for `names` (all when a split moves it)."""
    wanted = _event_fields(part, day)
    event_changes: dict[str, Any] = {}
    if names & {"start_time", "duration_minutes", "date"}:
        event_changes["starts_at"] = wanted["starts_at"]
        event_changes["ends_at"] = wanted["ends_at"]
    for name in ("title", "description", "format", "join_url", "place", "capacity"):
        if name in names:
            event_changes[name] = wanted[name]
    if "format" in names:
        event_changes["place"] = wanted["place"]
    before = _snapshot(meeting.event)
    if event_changes:
        meeting.event = event_services.event_update(
            event_id=meeting.event_id, now=now, notify=False, **event_changes
        )
    if _snapshot(meeting.event) != before:
        change.updated.append(meeting)
    if event_changes:
        search_docs.index_meetings([meeting.pk])  # search
    if "audience" in names and meeting.audience != part.audience:
        meeting.audience = part.audience
        meeting.save(update_fields=["audience"])


def _end_at(part: MeetingSeries, day: dt.date) -> None:
    """The part ends the day before `day` (a part that starts on or after it is left with
    no dates: superseded by the split)."""
    part.ends_on = day - dt.timedelta(days=1)
    part.count = None
    part.sequence += 1
    part.save(update_fields=["ends_on", "count", "sequence", "updated_at"])


def _future_from(parts: list[MeetingSeries], day: dt.date, now: dt.datetime) -> list[Meeting]:
    """Meetings of the series from `day` (by their series date) that have not started
    (cancelled ones included, so a cancellation carries over a split)."""
    return list(
        Meeting.objects.filter(series__in=parts, original_date__gte=day)
        .exclude(event__status=Event.Status.SCHEDULED, event__starts_at__lte=now)
        .select_related("event", "series", "section")
        .order_by("original_date", "pk")
    )


def _match(meetings: list[Meeting], dates: list[dt.date]) -> dict[int, dt.date]:
    """Pair meetings with dates of the new rule: the same date first, then the nearest
    free date at most SPLIT_MATCH_DAYS away (so Saturday → Sunday keeps every seat)."""
    free = sorted(dates)
    matched: dict[int, dt.date] = {}
    for meeting in meetings:
        if meeting.original_date in free:
            matched[meeting.pk] = meeting.original_date
            free.remove(meeting.original_date)
    for meeting in meetings:
        if meeting.pk in matched:
            continue
        near = [d for d in free if abs((d - meeting.original_date).days) <= SPLIT_MATCH_DAYS]  # type: ignore[operator]  # series meetings have a date
        if near:
            best = min(near, key=lambda d: (abs((d - meeting.original_date).days), d))  # type: ignore[operator]  # series meetings have a date
            matched[meeting.pk] = best
            free.remove(best)
    return matched


@transaction.atomic
def series_update_following(
    *, meeting_id: int, actor: User, now: dt.datetime | None = None, **fields: Any
) -> SeriesChange:
    """「この回以降」: the series splits at this meeting's date. The part before keeps its
    rule and ends the day before; a new part carries the new rule and defaults from this
    date. Every meeting from this date moves to the new part when the new rule has a date
    near it (its seats, waitlist and personal links stay) and takes the new defaults
    (unless it has its own changes); one with no date near it is cancelled (or, when it
    has its own changes, kept as a meeting of its own). Attendees get one mail each."""
    now = now or timezone.now()
    _unknown(fields, (*RULE_FIELDS, *DEFAULT_FIELDS))
    meeting, root = _meeting_for_edit(meeting_id, actor, now)
    parts = _parts(root)
    part = next(p for p in parts if p.pk == meeting.series_id)
    day = meeting.original_date
    assert day is not None
    fields = _normalise(fields)
    if "ends_on" in fields and fields["ends_on"] is not None:
        fields.setdefault("count", None)
    if "count" in fields and fields["count"] is not None:
        fields.setdefault("ends_on", None)
    current = {name: getattr(part, name) for name in (*RULE_FIELDS, *DEFAULT_FIELDS)}
    if part.count is not None and "count" not in fields and "ends_on" not in fields:
        # The new part ends where the old rule ended.
        current["ends_on"], current["count"] = recurrence.last_rule_date(Rule.of(part)), None
    values = {**current, **fields, "starts_on": day}
    rule = _rule_from(values)
    new_dates = rule_check(rule)
    _check_defaults(values)
    same = all(
        values[name] == getattr(part, name)
        for name in (*DEFAULT_FIELDS, "repeat", "weekdays", "week_of_month", "month_day")
    )
    same = same and values["skip_holidays"] == part.skip_holidays
    if same and new_dates[-1:] == recurrence.meeting_dates(Rule.of(part))[-1:]:
        return SeriesChange(series=part)  # nothing to change
    change = SeriesChange()
    pool = _future_from(parts, day, now)
    Meeting.objects.filter(pk__in=[m.pk for m in pool]).update(original_date=None)
    earlier = [d for d in recurrence.rule_dates(Rule.of(part)) if d < day]
    later = [p for p in parts if p.starts_on > part.starts_on and p.pk != part.pk]
    if earlier:
        _end_at(part, day)
        new = MeetingSeries.objects.create(
            section=part.section, root=root, created_by=actor, **values
        )
    else:
        for name, value in values.items():
            setattr(part, name, value)
        part.sequence += 1
        part.save()
        new = part
    for other in later:
        _end_at(other, day)
    matched = _match(pool, new_dates)
    for item in pool:
        target = matched.get(item.pk)
        if target is not None:
            item.series, item.original_date = new, target
            item.save(update_fields=["series", "original_date"])
            if not item.event.is_cancelled and not item.has_own_changes:
                _apply_defaults(item, new, target, {*DEFAULT_FIELDS, "date"}, now, change)
        elif item.event.is_cancelled:
            continue  # stays cancelled, outside the new rule
        elif item.has_own_changes:
            item.series = None
            item.save(update_fields=["series"])
            change.detached.append(item)
        else:
            item.event = event_services.event_cancel(event_id=item.event_id, notify=False)
            change.cancelled.append(item)
    change.created = _top_up_chain(root, _parts(root), now=now)
    change.series = new
    _notify_change(root, change, now)
    return change


@transaction.atomic
def series_update_all(
    *, series_id: int, actor: User, now: dt.datetime | None = None, **fields: Any
) -> SeriesChange:
    """「すべての回」: new defaults for every part of the series that still has dates, and
    for every future meeting without its own changes. Past meetings never change.
    Lowering the capacity never removes anyone already going (it only stops new seats)."""
    now = now or timezone.now()
    _unknown(fields, DEFAULT_FIELDS)
    root = _lock_root(series_id)
    parts = _parts(root)
    part = next(p for p in parts if p.pk == series_id)
    _require_manager(part.section, actor)
    _require_open(part.section)
    fields = _normalise(fields)
    changed = {name: value for name, value in fields.items() if getattr(part, name) != value}
    change = SeriesChange(series=part)
    if not changed:
        return change
    today = _today(now)
    for other in parts:
        last = recurrence.last_rule_date(Rule.of(other))
        if other.pk != part.pk and (last is None or last < today):
            continue
        _check_defaults({**{n: getattr(other, n) for n in DEFAULT_FIELDS}, **changed})
    for other in parts:
        last = recurrence.last_rule_date(Rule.of(other))
        if other.pk != part.pk and (last is None or last < today):
            continue
        for name, value in changed.items():
            setattr(other, name, value)
        other.sequence += 1
        other.save()
        upcoming = (
            Meeting.objects.filter(
                series=other,
                has_own_changes=False,
                event__status=Event.Status.SCHEDULED,
                event__starts_at__gt=now,
            )
            .exclude(original_date=None)
            .select_related("event")
            .order_by("event__starts_at")
        )
        for meeting in upcoming:
            _apply_defaults(meeting, other, meeting.original_date, set(changed), now, change)  # type: ignore[arg-type]  # excluded None above
    _notify_change(root, change, now)
    return change


@transaction.atomic
def series_end(
    *,
    series_id: int,
    actor: User,
    from_meeting_id: int | None = None,
    now: dt.datetime | None = None,
) -> SeriesChange:
    """End the series: from the given meeting on (「この回以降を中止」), or from the next
    meeting (「今後の回をすべて中止」). Those meetings are cancelled (attendees get one mail
    each); past meetings stay as they were."""
    now = now or timezone.now()
    if from_meeting_id is not None:
        meeting, root = _meeting_for_edit(from_meeting_id, actor, now)
        if root.pk != _root_id(series_id):
            raise SectionError("この回はこのシリーズの回ではありません。", "missing")
        day = meeting.original_date
    else:
        root = _lock_root(series_id)
        _require_manager(root.section, actor)
        day = _next_date(_parts(root), now)
        if day is None:
            raise SectionError("このシリーズに今後の回はありません。", "no_dates")
    assert day is not None
    parts = _parts(root)
    change = SeriesChange(series=root)
    for part in parts:
        last = recurrence.last_rule_date(Rule.of(part))
        if last is not None and last >= day:
            _end_at(part, day)
    for meeting in _future_from(parts, day, now):
        if meeting.event.is_cancelled:
            continue
        meeting.event = event_services.event_cancel(event_id=meeting.event_id, notify=False)
        change.cancelled.append(meeting)
    _notify_change(root, change, now)
    return change


def _next_date(parts: list[MeetingSeries], now: dt.datetime) -> dt.date | None:
    """The series date of the next meeting that has not started (existing or to come)."""
    candidates = []
    for part in parts:
        for day in recurrence.meeting_dates(Rule.of(part)):
            if _meeting_start(part, day) > now:
                candidates.append(day)
                break
    upcoming = (
        Meeting.objects.filter(series__in=parts, event__starts_at__gt=now)
        .exclude(original_date=None)
        .order_by("original_date")
        .values_list("original_date", flat=True)
        .first()
    )
    if upcoming is not None:
        candidates.append(upcoming)
    return min(candidates) if candidates else None


# --- the one mail per person --------------------------------------------------------------


def _notify_change(root: MeetingSeries, change: SeriesChange, now: dt.datetime) -> None:
    """Everyone going or waiting for a changed or cancelled meeting gets ONE mail listing
    them all; those going get one calendar file with every changed meeting (its UID and
    new SEQUENCE, so calendar apps update their entries; a cancellation as CANCELLED)."""
    touched = [*change.updated, *change.cancelled]
    if not touched:
        return
    by_event = {m.event_id: m for m in touched}
    cancelled_ids = {m.event_id for m in change.cancelled}
    rows = (
        Registration.objects.filter(event_id__in=by_event, status__in=(R.GOING, R.WAITLISTED))
        .select_related("user")
        .order_by("user_id", "event__starts_at")
    )
    per_user: dict[int, list[Registration]] = defaultdict(list)
    users = {}
    for registration in rows:
        per_user[registration.user_id].append(registration)
        users[registration.user_id] = registration.user
    section = root.section
    key = int(now.timestamp() * 1000)
    for user_id, registrations in per_user.items():
        user = users[user_id]
        changed_lines, cancelled_lines, components = [], [], []
        for registration in registrations:
            meeting = by_event[registration.event_id]
            event = meeting.event
            line = {
                "when": format_jst_range(event.starts_at, event.ends_at),
                "title": event.title,
                "url": settings.SITE_URL + meeting.get_absolute_url(),
                "status": registration.get_status_display(),
            }
            if event.pk in cancelled_ids:
                cancelled_lines.append(line)
            else:
                changed_lines.append(line)
            if registration.status == R.GOING:
                event.section_meeting = meeting
                components.append(event_component(event))
        attachments = None
        if components:
            attachments = [
                {
                    "filename": "series.ics",
                    "content": calendar_build(components, name=root.title).decode(),
                    "mimetype": "text/calendar",
                }
            ]
        mail_enqueue(
            to=user.email,
            template="sections_series_changed",
            context={
                "name": user.display_name,
                "series_title": root.title,
                "section_name": section.name,
                "series_url": settings.SITE_URL + root.get_absolute_url(),
                # The attached .ics may be stripped by a mail gateway: the same file online.
                "ics_url": settings.SITE_URL
                + reverse("sections:series_ics", args=[section.slug, root.pk]),
                "changed": changed_lines,
                "cancelled": cancelled_lines,
            },
            recipient=user,
            dedupe_key=f"sections:series_changed:{root.pk}:{user_id}:{key}",
            attachments=attachments,
        )


# --- join and leave the whole series ------------------------------------------------------


def _eligible(root: MeetingSeries, parts: list[MeetingSeries], user: User) -> None:
    if user.is_staff or all(p.audience == Meeting.Audience.ALL for p in parts):
        return
    if not SectionMembership.objects.filter(section_id=root.section_id, user=user).exists():
        raise SectionError(
            f"このシリーズは「{root.section.name}」のメンバー限定です。"
            "課に参加してから申し込んでください。",
            "ineligible",
        )


@transaction.atomic
def series_join(*, series_id: int, user: User, now: dt.datetime | None = None) -> JoinResult:
    """シリーズに参加: register for every future meeting of the series in one step (each
    through the usual RSVP: its own seat, or its waitlist in the usual order), and for
    the meetings the top-up creates later. A meeting the member already answered 不参加
    keeps that answer; one whose RSVP has closed is left out."""
    now = now or timezone.now()
    root = _lock_root(series_id)
    parts = _parts(root)
    if not user.is_member:
        raise SectionError("シリーズに参加できるのはメンバーだけです。", "not_member")
    _eligible(root, parts, user)
    _, created = SeriesSubscription.objects.get_or_create(series=root, user=user)
    result = JoinResult(was_subscribed=not created)
    meetings = (
        Meeting.objects.filter(
            series__in=parts, event__status=Event.Status.SCHEDULED, event__starts_at__gt=now
        )
        .select_related("event")
        .order_by("event__starts_at", "pk")
    )
    answered = dict(
        Registration.objects.filter(
            user=user, event__section_meeting__series__in=parts
        ).values_list("event_id", "status")
    )
    for meeting in meetings:
        status = answered.get(meeting.event_id)
        if status in (R.GOING, R.WAITLISTED):
            result.unchanged += 1
            continue
        if status == R.NOT_GOING or not meeting.event.rsvp_open(now):
            result.skipped += 1
            continue
        try:
            outcome = event_services.registration_rsvp(
                event_id=meeting.event_id, user=user, going=True, now=now
            ).outcome
        except event_services.RegistrationError:
            result.skipped += 1
            continue
        if outcome == R.GOING:
            result.going += 1
        elif outcome == R.WAITLISTED:
            result.waitlisted += 1
        else:
            result.unchanged += 1
    return result


@transaction.atomic
def series_leave(*, series_id: int, user: User, now: dt.datetime | None = None) -> JoinResult:
    """Leave the whole series in one step: no more automatic registrations, and every
    seat or waitlist place at its meetings that have not started is given back (the
    waitlists move). Past meetings stay as they were. A second click changes nothing."""
    now = now or timezone.now()
    root = _lock_root(series_id)
    parts = _parts(root)
    deleted, _ = SeriesSubscription.objects.filter(series=root, user=user).delete()
    result = JoinResult(was_subscribed=bool(deleted))
    event_ids = list(
        Registration.objects.filter(
            user=user,
            status__in=(R.GOING, R.WAITLISTED),
            event__section_meeting__series__in=parts,
            event__starts_at__gt=now,
        )
        .order_by("event__starts_at")
        .values_list("event_id", flat=True)
    )
    for event_id in event_ids:
        event_services.registration_cancel(event_id=event_id, user=user, now=now)
        result.cancelled += 1
    return result


def subscriptions_end_for(*, section: Section, user: User) -> None:
    """Leaving a section (or being removed) ends the member's joins of its series."""
    SeriesSubscription.objects.filter(series__section=section, user=user).delete()
