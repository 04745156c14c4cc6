"""The repeat rules of meeting series, expanded by `dateutil.rrule` (no rule engine of our
own), with Japanese public holidays (祝日) from `jpholiday`.

One set of structured fields (`MeetingSeries.repeat`, `weekdays`, `week_of_month`,
`month_day`, `starts_on`, `ends_on` / `count`) gives both the dateutil rule that the site
expands and the RFC 5545 RRULE that the series calendar publishes (`ical_recur`);
`tests/sections/test_series_ics.py` proves that `recurring-ical-events` expands the
published rule to exactly the dates the site shows.

Dates are Japan dates; a meeting starts at `start_time` JST on each of them (Japan has no
daylight saving time, so the wall-clock time is the same every week)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import jpholiday
from dateutil import rrule
from dateutil.relativedelta import relativedelta

from core.jst import JST

BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_LABELS = dict(zip(BYDAY, "月火水木金土日", strict=True))
_DATEUTIL_DAYS = dict(
    zip(BYDAY, (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU), strict=True)
)
# repeat -> (dateutil frequency, interval)
_FREQ = {
    "weekly": (rrule.WEEKLY, 1),
    "biweekly": (rrule.WEEKLY, 2),
    "fourweekly": (rrule.WEEKLY, 4),
    "monthly_nth": (rrule.MONTHLY, 1),
    "monthly_last": (rrule.MONTHLY, 1),
    "monthly_date": (rrule.MONTHLY, 1),
}
MAX_YEARS = 2


@dataclass(frozen=True)
class Rule:
    """The rule part of a series (what `MeetingSeries` stores), independent of the ORM so
    that forms and services can check a rule before anything is saved."""

    repeat: str
    weekdays: tuple[str, ...] = ()
    week_of_month: int | None = None
    month_day: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    count: int | None = None
    skip_holidays: bool = True

    @classmethod
    def of(cls, series: Any) -> Rule:
        return cls(
            repeat=series.repeat,
            weekdays=tuple(code for code in series.weekdays.split(",") if code),
            week_of_month=series.week_of_month,
            month_day=series.month_day,
            starts_on=series.starts_on,
            ends_on=series.ends_on,
            count=series.count,
            skip_holidays=series.skip_holidays,
        )


def _byweekday(rule: Rule) -> list | None:
    days = [_DATEUTIL_DAYS[code] for code in rule.weekdays]
    if rule.repeat in ("weekly", "biweekly", "fourweekly"):
        return days
    if rule.repeat == "monthly_nth":
        return [days[0](rule.week_of_month)]
    if rule.repeat == "monthly_last":
        return [days[0](-1)]
    return None


def _until(ends_on: dt.date) -> dt.datetime:
    """The end of the last day, Japan time (RFC 5545 wants UNTIL in UTC with TZID)."""
    return dt.datetime.combine(ends_on, dt.time(23, 59, 59), tzinfo=JST)


def dateutil_rule(rule: Rule) -> rrule.rrule:
    """The dateutil rule, DTSTART at midnight JST of the start date."""
    assert rule.starts_on is not None
    freq, interval = _FREQ[rule.repeat]
    kwargs: dict[str, Any] = {
        "dtstart": dt.datetime.combine(rule.starts_on, dt.time(0, 0), tzinfo=JST),
        "interval": interval,
        "wkst": rrule.MO,
    }
    byweekday = _byweekday(rule)
    if byweekday is not None:
        kwargs["byweekday"] = byweekday
    if rule.repeat == "monthly_date":
        kwargs["bymonthday"] = rule.month_day
    if rule.count is not None:
        kwargs["count"] = rule.count
    elif rule.ends_on is not None:
        kwargs["until"] = _until(rule.ends_on)
    return rrule.rrule(freq, **kwargs)


def rule_dates(rule: Rule) -> list[dt.date]:
    """Every date the rule gives, holidays included (at most two years of them). A part
    that a split superseded ends before it starts and gives none."""
    if rule.ends_on is not None and rule.starts_on is not None and rule.ends_on < rule.starts_on:
        return []
    assert rule.starts_on is not None
    limit = _until(rule.starts_on + relativedelta(years=MAX_YEARS))
    moments = itertools.takewhile(lambda moment: moment <= limit, dateutil_rule(rule))
    return [moment.date() for moment in moments]


def is_holiday(day: dt.date) -> bool:
    return bool(jpholiday.is_holiday(day))


def holiday_name(day: dt.date) -> str:
    return jpholiday.is_holiday_name(day) or ""


def skipped_dates(rule: Rule, dates: list[dt.date] | None = None) -> list[dt.date]:
    """The rule's dates that are 休み (public holidays, when the series skips them)."""
    if not rule.skip_holidays:
        return []
    return [day for day in (rule_dates(rule) if dates is None else dates) if is_holiday(day)]


def meeting_dates(rule: Rule) -> list[dt.date]:
    """The dates that get a meeting: the rule's dates minus skipped holidays."""
    dates = rule_dates(rule)
    skipped = set(skipped_dates(rule, dates))
    return [day for day in dates if day not in skipped]


def last_rule_date(rule: Rule) -> dt.date | None:
    dates = rule_dates(rule)
    return dates[-1] if dates else None


def ical_recur(rule: Rule) -> dict[str, Any]:
    """The RRULE value for icalendar (`vRecur`), equal to `dateutil_rule`."""
    freq, interval = _FREQ[rule.repeat]
    recur: dict[str, Any] = {"FREQ": "WEEKLY" if freq == rrule.WEEKLY else "MONTHLY"}
    if interval != 1:
        recur["INTERVAL"] = interval
    if rule.repeat in ("weekly", "biweekly", "fourweekly"):
        recur["BYDAY"] = list(rule.weekdays)
    elif rule.repeat == "monthly_nth":
        recur["BYDAY"] = [f"{rule.week_of_month}{rule.weekdays[0]}"]
    elif rule.repeat == "monthly_last":
        recur["BYDAY"] = [f"-1{rule.weekdays[0]}"]
    else:
        recur["BYMONTHDAY"] = [rule.month_day]
    if rule.count is not None:
        recur["COUNT"] = rule.count
    elif rule.ends_on is not None:
        recur["UNTIL"] = _until(rule.ends_on).astimezone(dt.UTC)
    recur["WKST"] = "MO"
    return recur


def _days_label(codes: tuple[str, ...]) -> str:
    return "・".join(WEEKDAY_LABELS[code] for code in codes) + "曜"


def describe(rule: Rule, start_time: dt.time | None = None) -> str:
    """「毎週土曜 21:00〜」, 「2週ごと 水曜 19:00〜」, 「毎月第2火曜」, 「毎月最終金曜」,
    「毎月15日」."""
    if rule.repeat == "weekly":
        text = f"毎週{_days_label(rule.weekdays)}"
    elif rule.repeat == "biweekly":
        text = f"2週ごと {_days_label(rule.weekdays)}"
    elif rule.repeat == "fourweekly":
        text = f"4週ごと {_days_label(rule.weekdays)}"
    elif rule.repeat == "monthly_nth":
        text = f"毎月第{rule.week_of_month}{_days_label(rule.weekdays)}"
    elif rule.repeat == "monthly_last":
        text = f"毎月最終{_days_label(rule.weekdays)}"
    else:
        text = f"毎月{rule.month_day}日"
    if start_time is not None:
        text += f" {start_time:%H:%M}〜"
    return text


def starts_at(day: dt.date, start_time: dt.time) -> dt.datetime:
    """The moment a meeting of the series starts on `day` (JST)."""
    return dt.datetime.combine(day, start_time, tzinfo=JST)
