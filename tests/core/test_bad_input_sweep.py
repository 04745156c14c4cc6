"""Hostile-input sweep: every URL pattern, as every role, must answer < 500.

The project rule: bad input gets a clear error and a 4xx, never a 500; tampered ids and
other members' links give 403 or 404. This module walks every route of the project (as
`tests/core/test_url_policy.py` does) and sends, as anonymous, an applicant, a member (head
of one section) and staff:

- path ids that exist, that do not, that overflow the database integer, and that belong to
  someone else (another section's meeting, another member's personal link);
- slugs and tokens with odd characters, NUL, and great length;
- query strings with garbage (`?page=abc`, `?week=2026-13-45`, `?prefecture=99`, a
  500-character `?q=`, NUL, repeated parameters, ...);
- POSTs with an empty body, unknown actions, overlong fields, wrong types and NUL.

Run it on PostgreSQL too (DATABASE_URL=postgres://...): PostgreSQL refuses integer
overflow and NUL in text where SQLite lets them through.

Every request runs in a savepoint that is rolled back afterwards, so one request cannot
change what the next one sees (and a database error on PostgreSQL does not poison the rest
of the test). Django's test client re-raises a view's exception: it is caught and reported
with the method and URL, as is any answer >= 500.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from events import services as event_services
from events.models import CalendarFeed, Registration
from sections import series_services
from sections import services as section_services
from tests.core.test_url_policy import walk
from tests.factories import (
    ApplicantFactory,
    EpisodeFactory,
    FollowFactory,
    GuestFactory,
    MeetingFactory,
    MemberFactory,
    ProgrammeFactory,
    SectionFactory,
    StaffFactory,
)
from trainings import services as training_services
from trainings.models import Material

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # overflows a 64-bit integer column
NUL = "%00"
LONG = "x" * 500
PARAM_RE = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")

# Query parameters each page reads; every one gets hostile values one at a time.
READS = {
    "coverage/": ("prefecture", "sort", "q"),
    "coverage/embed/": ("prefecture", "sort", "q"),
    "coverage/data.json": ("prefecture", "sort", "q"),
    "coverage/data.csv": ("prefecture", "sort", "q"),
    "application/local-governments/": ("prefecture", "q", "local_government"),
    "members/directory/": ("q", "prefecture", "local_government", "job_type", "section", "page"),
    "sections/": ("type", "q"),
    "sections/<slug:slug>/": ("page",),
    "sections/<slug:slug>/series/<int:series_id>/edit/": ("scope", "from"),
    "broadcasts/schedule/": ("week",),
    "broadcasts/archive/": ("q", "programme", "page"),
    "trainings/": ("tab", "page"),
    "sections/<slug:slug>/topics/": ("kind", "state", "tag", "page"),
    "sections/<slug:slug>/topics/<int:topic_id>/": ("page", "quote"),
    "sections/<slug:slug>/qa/": ("tag", "page"),
    "moderation/": ("reason", "section", "state", "page"),
    "conduct/": ("next",),
    "qa/": ("section", "tag", "page", "q"),
    "search/": ("q", "kind", "section", "state", "period", "sort", "page"),
    "search/similar/": ("title",),
    "accounts/login/": ("next",),
    "accounts/signup/": ("next",),
    "admin/autocomplete/": ("app_label", "model_name", "field_name", "term", "page"),
}
VALUES = ("abc", HUGE, NUL, LONG)
HTMX_VALUES = ("abc", NUL, LONG)  # the fragment is a second template: the worst values again
EXTRA_QUERIES = {
    "broadcasts/schedule/": ("week=2026-13-45", "week=0001-01-01", "week=9999-12-31"),
    "coverage/": (
        "prefecture=99",
        "prefecture=-1",
        "prefecture=%EF%BC%91%EF%BC%93",
        "prefecture=13&prefecture=x",
        "sort=-",
        "sort=__class__",
    ),
    "members/directory/": (
        "prefecture=99",
        "prefecture=%EF%BC%91%EF%BC%93",
        "page=1&page=x",
        "page=999999",
        "page=-1",
        "q=%25%5F%5C",
    ),
    "broadcasts/archive/": ("programme=no-such-programme", "q=a&q=b", "page=999999", "page=-1"),
    "sections/": ("q=%25%5F%5C", "type=__class__"),
    "trainings/": ("page=999999", "page=-1", "tab=past&page=2"),
    "application/local-governments/": ("prefecture=%EF%BC%91%EF%BC%93", "prefecture=-1"),
    "sections/<slug:slug>/": ("page=-1", "page=999999"),
    "sections/<slug:slug>/series/<int:series_id>/edit/": (
        "scope=following",
        "scope=following&from=abc",
        f"scope=following&from={HUGE}",
        "scope=following&from=-1",
        "scope=all&from=0",
        "scope=__class__",
        "scope=all&from=%00",
        "scope=following&from=1&from=2",
    ),
    "sections/<slug:slug>/topics/": (
        "tag=%E3%80%80",
        "tag=%25%5F%5C",
        "page=999999",
        "page=-1",
        "state=solved&kind=share",
        "tag=a&tag=b",
        "kind=__class__",
    ),
    "sections/<slug:slug>/topics/<int:topic_id>/": (
        f"quote={HUGE}",
        "quote=-1",
        "quote=1.5",
        "page=999999",
        "page=-5",
        "quote=1&quote=x",
    ),
    "qa/": ("section=no-such", "section=%00x", "tag=%3Cscript%3E", "page=999999"),
    "admin/autocomplete/": (
        "app_label=accounts&model_name=trusteddomain&field_name=local_government&term=%00",
        f"app_label=accounts&model_name=trusteddomain&field_name=local_government&page={HUGE}",
        "app_label=accounts&model_name=trusteddomain&field_name=local_government&term=" + LONG,
        "app_label=auth&model_name=user&field_name=__class__&term=a",
    ),
}
# Pages that read nothing get everything at once, in case they do.
EVERYTHING = ("page", "q", "week", "prefecture", "sort", "type", "tab", "next", "status")

# Every form field name the site's own forms (and allauth's) use: each generic body sets
# all of them to one hostile value.
POST_FIELDS = (
    "title", "description", "starts_at", "ends_at", "format", "join_url", "place", "capacity",
    "rsvp_deadline", "audience", "message", "decision", "role", "email", "action", "next",
    "mode", "remind_minutes_before", "digest_time", "with_settings", "answer_0", "answer_1",
    "confirm", "agree", "full_name", "full_name_kana", "affiliation_type", "prefecture",
    "local_government", "ministry", "other_body", "department", "position", "job_type",
    "programme", "user", "event", "section", "successor", "prefecture_id",
    "work_email", "introduction", "effective_on", "login", "password", "password1",
    "password2", "oldpassword", "code", "key", "do", "attended", "subject", "body", "apply",
    "start", "end", "reason", "q", "repeat", "weekdays", "week_of_month", "month_day",
    "starts_on", "end_by", "ends_on", "count", "skip_holidays", "start_time", "duration_minutes",
    "from", "scope",
    "kind", "tags", "quote", "reading", "files", "question",
    "answer", "locked",
)  # fmt: skip
POST_VALUES = ("x" * 5000, "\x00", HUGE, "abc")


def _meeting(**overrides) -> dict:
    base = {
        "title": "会", "description": "", "starts_at": "2099-01-01T19:00",
        "ends_at": "2099-01-01T20:00", "format": "online",
        "join_url": "https://meet.example.jp/x", "place": "", "capacity": "",
        "rsvp_deadline": "", "audience": "section",
    }  # fmt: skip
    return {**base, **overrides}


def _series(**overrides) -> dict:
    base = {
        "title": "定例会", "description": "", "repeat": "weekly", "weekdays": ["SA"],
        "week_of_month": "", "month_day": "", "starts_on": "2099-01-03", "end_by": "date",
        "ends_on": "2099-06-27", "count": "", "skip_holidays": "on", "start_time": "21:00",
        "duration_minutes": "60", "format": "online", "join_url": "https://meet.example.jp/s",
        "place": "", "capacity": "", "audience": "section",
    }  # fmt: skip
    return {**base, **overrides}


SERIES_BODIES = (
    _series(), _series(ends_on="2098-01-01"), _series(ends_on="2101-12-31"),
    _series(end_by="count", count="500"), _series(end_by="count", count=HUGE),
    _series(end_by="count", count="0"), _series(end_by="bogus"), _series(weekdays=[]),
    _series(weekdays=["XX", "\x00"]), _series(repeat="bogus"), _series(repeat="monthly_nth",
    week_of_month="9"), _series(repeat="monthly_date", month_day=HUGE),
    _series(repeat="monthly_date", month_day="31", starts_on="2099-02-01", ends_on="2099-02-28"),
    _series(start_time="25:99"), _series(start_time="\x00"), _series(duration_minutes=HUGE),
    _series(duration_minutes="-5"), _series(starts_on="0001-01-01"),
    _series(starts_on="9999-12-31", ends_on="9999-12-31"), _series(starts_on="2000-01-01"),
    _series(capacity=HUGE), _series(format="place", place=""), _series(title="x" * 121),
    _series(join_url="javascript:alert(1)"), _series(audience="everyone"),
    _series(skip_holidays="\x00"), _series(description="x" * 100_000),
)  # fmt: skip


def _person(**overrides) -> dict:
    base = {
        "full_name": "横糸 花子", "full_name_kana": "ヨコイト ハナコ",
        "affiliation_type": "local_government", "prefecture": "13",
        "local_government": "131016", "department": "総務課", "agree": "on",
    }  # fmt: skip
    return {**base, **overrides}


# Bodies that are valid but for one thing, for the routes that read them.
SPECIALS = {
    "events/<int:event_id>/rsvp/": (
        {"action": "bogus"}, {"action": "going", "next": "javascript:alert(1)"},
        {"action": "going", "next": "//evil.example/"}, {"action": "cancel"},
        {"action": "not_going", "next": "\x00"}, {"action": ["going", "cancel"]},
    ),
    "broadcasts/programmes/<slug:slug>/follow/": (
        {"mode": "reminder", "remind_minutes_before": HUGE},
        {"mode": "reminder", "remind_minutes_before": "1"},
        {"mode": "reminder", "remind_minutes_before": "-5", "with_settings": "1"},
        {"mode": "digest", "remind_minutes_before": "30", "digest_time": "25:99"},
        {"mode": "bogus", "remind_minutes_before": "30", "with_settings": "1"},
        {"next": "javascript:alert(1)"},
    ),
    "sections/<slug:slug>/requests/<int:request_id>/": (
        {"decision": "accept", "message": "x" * 600}, {"decision": "accept"},
        {"decision": "reject", "message": "\x00"},
    ),
    "sections/<slug:slug>/members/<int:user_id>/role/": (
        {"role": "head"}, {"role": "deputy"}, {"role": "__class__"}, {"role": "\x00"},
    ),
    "sections/<slug:slug>/invite/": (
        {"email": "\x00"}, {"email": "x" * 300 + "@example.jp"}, {"email": "%"},
    ),
    "sections/<slug:slug>/request/": ({"message": "x" * 501}, {"message": "\x00"}),
    "sections/<slug:slug>/meetings/new/": (
        _meeting(), _meeting(capacity=HUGE), _meeting(capacity="0"), _meeting(capacity="1.5"),
        _meeting(starts_at="2026-13-45T25:99"), _meeting(starts_at="0001-01-01T00:00"),
        _meeting(starts_at="9999-12-31T23:59", ends_at="9999-12-31T23:59"),
        _meeting(rsvp_deadline="9999-12-31T23:59"), _meeting(format="bogus"),
        _meeting(join_url="javascript:alert(1)"), _meeting(join_url="http://x"),
        _meeting(audience="everyone"), _meeting(title="x" * 121), _meeting(title="\x00"),
        _meeting(format="place", place=""), _meeting(description="x" * 100_000),
    ),
    "sections/<slug:slug>/meetings/<int:meeting_id>/edit/": (
        _meeting(), _meeting(capacity=HUGE), _meeting(starts_at="2000-01-01T00:00"),
        _meeting(ends_at="2000-01-01T00:00"), _meeting(capacity="1"),
    ),
    "sections/<slug:slug>/series/new/": SERIES_BODIES,
    "sections/<slug:slug>/series/<int:series_id>/edit/": SERIES_BODIES,
    "sections/<slug:slug>/series/<int:series_id>/end/": (
        {"from": "abc"}, {"from": HUGE}, {"from": "\x00"}, {"from": "-1"}, {"from": ""},
        {"from": ["1", "2"]},
    ),
    "application/": (
        _person(), _person(prefecture="\x00"), _person(local_government="\x00"),
        _person(prefecture="99"), _person(local_government="999999"),
        _person(prefecture="01"), _person(affiliation_type="bogus"),
        _person(affiliation_type="ministry", ministry="\x00"),
        _person(full_name_kana="\x00"), _person(work_email="a@\x00.jp"),
    ),
    "members/me/edit/": (
        _person(), _person(prefecture="\x00"), _person(local_government="\x00"),
        _person(effective_on="2026-13-45"), _person(effective_on="0001-01-01"),
        _person(effective_on="9999-12-31"), _person(local_government="131016", prefecture="27"),
    ),
    "trainings/<int:pk>/apply/": (
        {"answer_0": "x" * 1001}, {"answer_0": "\x00"}, {"answer_5": "x"},
    ),
    "admin/trainings/training/<int:pk>/registrants/": (
        {"do": "attendance", "attended": ["²", "１２", HUGE, "-1", "\x00"]},
        {"do": "announce", "subject": "\x00", "body": "x"},
        {"do": "announce", "subject": "x" * 121, "body": ""},
    ),
    "admin/broadcasts/programme/<int:pk>/generate/": (
        {"apply": "1", "start": "2026-13-45", "end": "abc"},
        {"apply": "1", "start": "0001-01-01", "end": "9999-12-31"},
        {"apply": "1", "start": "2026-02-01", "end": "2026-01-01"},
    ),
    "admin/accounts/application/<path:object_id>/reject/": (
        {"apply": "1", "reason": "\x00", "message": "x" * 5000},
        {"apply": "1", "reason": "bogus"},
    ),
    "admin/accounts/application/<path:object_id>/request_info/": (
        {"apply": "1", "message": ""}, {"apply": "1", "message": "\x00"},
    ),
    "admin/accounts/user/<path:object_id>/suspend/": (
        {"apply": "1", "reason": "\x00"}, {"apply": "1", "reason": "bogus"},
    ),
    "admin/accounts/application/": (
        {"action": "action_approve", "_selected_action": ["abc", HUGE, "-1"]},
        {"action": "action_reject", "_selected_action": ["1"], "apply": "1", "reason": "x"},
        {"action": "__class__", "_selected_action": ["1"]},
        {"action": "action_request_info", "_selected_action": [], "apply": "1"},
    ),
    "admin/broadcasts/programme/": (
        {"action": "generate_episodes", "_selected_action": ["abc", HUGE]},
        {"action": "generate_episodes", "_selected_action": ["1"], "apply": "1",
         "start": "9999-12-31", "end": "9999-12-31"},
    ),
}  # fmt: skip
SPECIALS["admin/accounts/user/"] = (
    {"action": "action_suspend", "_selected_action": ["abc", HUGE], "apply": "1"},
    {"action": "__class__", "_selected_action": ["1"]},
)
SPECIALS["orientation/<int:pk>/apply/"] = SPECIALS["trainings/<int:pk>/apply/"]


def _topic(**overrides) -> dict:
    return {"kind": "question", "title": "題", "body": "本文", "tags": "", **overrides}


def _entry(**overrides) -> dict:
    return {"title": "Q", "question": "", "answer": "A", "tags": "", **overrides}


_TOPIC_BODIES = (
    _topic(), _topic(kind="poll"), _topic(title="x" * 121), _topic(body="x" * 20_001),
    _topic(tags=",".join(f"t{i}" for i in range(11))), _topic(tags="t" * 31),
    _topic(tags="\u3000,\u3000"), _topic(files="not-a-file"), _topic(title="\x00"),
    _topic(kind=["question", "share"]),
)  # fmt: skip
SPECIALS["sections/<slug:slug>/topics/new/"] = _TOPIC_BODIES
SPECIALS["sections/<slug:slug>/topics/<int:topic_id>/edit/"] = _TOPIC_BODIES
SPECIALS["sections/<slug:slug>/topics/<int:topic_id>/reply/"] = (
    {"body": "返信"}, {"body": "返信", "quote": HUGE}, {"body": "返信", "quote": "abc"},
    {"body": "返信", "quote": "-1"}, {"body": "返信", "quote": "1"}, {"body": "x" * 20_001},
    {"body": "@[" + "x" * 59 + "]"}, {"body": " ".join(f"@[人{i}]" for i in range(30))},
    {"body": "返信", "files": "x"},
)  # fmt: skip
SPECIALS["sections/<slug:slug>/topics/<int:topic_id>/posts/<int:post_id>/edit/"] = (
    {"body": "編集"}, {"body": ""}, {"body": "x" * 20_001},
)  # fmt: skip
SPECIALS["sections/<slug:slug>/topics/<int:topic_id>/lock/"] = ({"locked": "1"}, {"locked": "0"})
SPECIALS["sections/<slug:slug>/reading/"] = (
    {"reading": "section"}, {"reading": "members"}, {"reading": "bogus"}, {"reading": ""},
)  # fmt: skip
SPECIALS["sections/<slug:slug>/meetings/<int:meeting_id>/scribe/"] = (
    {"user": HUGE}, {"user": "abc"}, {"user": "1"}, {"user": ""}, {"user": "-1"},
)  # fmt: skip
SPECIALS["sections/<slug:slug>/meetings/<int:meeting_id>/notes/"] = (
    {"title": "", "body": "メモ"}, {"title": "x" * 121, "body": "メモ"}, {"body": ""},
)  # fmt: skip
_ENTRY_BODIES = (_entry(), _entry(title=""), _entry(answer="x" * 20_001), _entry(tags="t" * 31))
SPECIALS["sections/<slug:slug>/topics/<int:topic_id>/qa/new/"] = _ENTRY_BODIES
SPECIALS["sections/<slug:slug>/meetings/<int:meeting_id>/qa/new/"] = _ENTRY_BODIES
SPECIALS["qa/<int:entry_id>/edit/"] = _ENTRY_BODIES
SPECIALS["qa/<int:entry_id>/publish/"] = ({"confirm": "1"}, {"confirm": "0"}, {"confirm": HUGE})
# htmx answers: these views render a fragment for HX-Request; send both kinds.
HTMX_ROUTES = (
    "sections/", "sections/<slug:slug>/", "sections/<slug:slug>/join/",
    "sections/<slug:slug>/leave/", "sections/<slug:slug>/request/",
    "sections/<slug:slug>/request/withdraw/", "sections/<slug:slug>/meetings/new/",
    "sections/<slug:slug>/meetings/<int:meeting_id>/edit/", "events/<int:event_id>/rsvp/",
    "sections/<slug:slug>/series/new/", "sections/<slug:slug>/series/<int:series_id>/edit/",
    "sections/<slug:slug>/series/<int:series_id>/join/",
    "sections/<slug:slug>/series/<int:series_id>/leave/",
    "broadcasts/programmes/<slug:slug>/follow/", "broadcasts/programmes/<slug:slug>/unfollow/",
    "broadcasts/schedule/", "broadcasts/archive/", "members/directory/", "trainings/",
    "coverage/", "application/local-governments/",
    "sections/<slug:slug>/topics/", "sections/<slug:slug>/topics/new/",
    "sections/<slug:slug>/topics/<int:topic_id>/",
    "sections/<slug:slug>/topics/<int:topic_id>/reply/",
    "sections/<slug:slug>/topics/<int:topic_id>/edit/",
    "sections/<slug:slug>/topics/<int:topic_id>/posts/<int:post_id>/edit/",
    "sections/<slug:slug>/topics/<int:topic_id>/qa/new/", "sections/<slug:slug>/qa/",
    "sections/<slug:slug>/meetings/<int:meeting_id>/notes/",
    "sections/<slug:slug>/meetings/<int:meeting_id>/qa/new/", "qa/", "qa/<int:entry_id>/edit/",
)  # fmt: skip


@dataclass
class World:
    """Realistic objects, and per role: the client and the path values to try."""

    users: dict = field(default_factory=dict)
    real: dict = field(default_factory=dict)  # (route, param) -> [real values]
    admin_ids: dict = field(default_factory=dict)  # "app/model" -> a real pk
    tampered: list = field(default_factory=list)  # (method, url, data): 403/404 for member


def _material(training) -> Material:
    material = Material(training=training, title="資料")
    material.file.save("slides.txt", ContentFile(b"slides"), save=False)
    material.save()
    return material


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("資料.pdf", b"%PDF-1.4 slides")


def build_world(tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    w = World()
    head, member_b, other = MemberFactory(), MemberFactory(), MemberFactory()
    staff, applicant = StaffFactory(), ApplicantFactory()
    # Staff with no role group: the admin refuses them everything (403), hostile or not.
    staff_noperm = MemberFactory(is_staff=True, is_superuser=False)
    w.users = {"member": head, "staff": staff, "applicant": applicant, "staff-noperm": staff_noperm}

    # Sections: the member heads section A; section B is someone else's.
    sec_a = SectionFactory(join_policy="approval")
    sec_b = SectionFactory(join_policy="approval")
    from sections.models import SectionMembership

    SectionMembership.objects.create(section=sec_a, user=head, role="head")
    SectionMembership.objects.create(section=sec_a, user=member_b, role="member")
    SectionMembership.objects.create(section=sec_b, user=other, role="head")
    req_a = section_services.join_request_create(section_id=sec_a.pk, user=other, message="")
    req_b = section_services.join_request_create(section_id=sec_b.pk, user=member_b, message="")
    starts = now + dt.timedelta(days=3)
    times = {"starts_at": starts, "ends_at": starts + dt.timedelta(hours=1)}
    meeting_a = section_services.meeting_create(
        section_id=sec_a.pk,
        actor=head,
        title="A の会",
        format="online",
        join_url="https://meet.example.jp/a",
        capacity=1,
        **times,
    )
    meeting_b = section_services.meeting_create(
        section_id=sec_b.pk,
        actor=other,
        title="B の会",
        format="online",
        join_url="https://meet.example.jp/b",
        **times,
    )
    reg_a = event_services.registration_rsvp(
        event_id=meeting_a.event_id, user=head, going=True
    ).registration
    event_services.registration_rsvp(event_id=meeting_a.event_id, user=member_b, going=True)
    reg_b = event_services.registration_rsvp(
        event_id=meeting_b.event_id, user=other, going=True
    ).registration
    # Meeting series: one per section, the member joined A's.
    today = timezone.localdate()
    series_fields = {
        "title": "定例会", "repeat": "weekly", "weekdays": ["SA"], "starts_on": today,
        "ends_on": today + dt.timedelta(days=120), "start_time": dt.time(21, 0),
        "format": "online", "join_url": "https://meet.example.jp/s",
    }  # fmt: skip
    series_a = series_services.series_create(section_id=sec_a.pk, actor=head, **series_fields)
    series_b = series_services.series_create(section_id=sec_b.pk, actor=other, **series_fields)
    series_services.series_join(series_id=series_a.pk, user=head)
    series_meeting_b = series_b.meetings.order_by("original_date").last()

    # Trainings, an orientation, materials and registrations.
    t_starts = now + dt.timedelta(days=10)
    training = training_services.training_create(
        title="研修",
        starts_at=t_starts,
        ends_at=t_starts + dt.timedelta(hours=1),
        join_url="https://meet.example.jp/t",
        application_opens_at=now - dt.timedelta(days=1),
        questions=["聞きたいこと", "もうひとつ"],
        capacity=1,
    )
    training_services.training_apply(training_id=training.pk, user=other, answers={"0": "a"})
    material = _material(training)
    training_services.orientations_generate(weeks=2, now=now)
    from trainings.models import Training

    orientation = Training.objects.filter(is_orientation=True).first()
    training_services.training_apply(training_id=orientation.pk, user=applicant)

    # Broadcasts.
    programme = ProgrammeFactory()
    episode = EpisodeFactory(programme=programme)
    GuestFactory(episode=episode)
    EpisodeFactory(programme=programme, air_date=timezone.localdate() - dt.timedelta(days=1))
    FollowFactory(user=head, programme=programme)

    # Discussions: A's topic with a reply and a file; B reads as 課員のみ; notes; entries.
    from discussions import services as discussion_services

    topic_a = discussion_services.topic_create(
        section_id=sec_a.pk, author=member_b, kind="question", title="A の質問", body="本文",
        files=[_pdf()],
    ).topic  # fmt: skip
    reply_a = discussion_services.reply_create(
        topic_id=topic_a.pk, author=member_b, body="返信"
    ).post
    discussion_services.section_reading_set(section_id=sec_b.pk, actor=other, reading="section")
    topic_b = discussion_services.topic_create(
        section_id=sec_b.pk, author=other, kind="question", title="B の質問", body="本文",
        files=[_pdf()],
    ).topic  # fmt: skip
    reply_b = discussion_services.reply_create(topic_id=topic_b.pk, author=other, body="返信").post
    att_a, att_b = (t.posts.get(number=1).attachments.get() for t in (topic_a, topic_b))
    past = now - dt.timedelta(days=2)
    past_times = {"starts_at": past, "ends_at": past + dt.timedelta(hours=1)}
    past_a = MeetingFactory(section=sec_a, **{f"event__{k}": v for k, v in past_times.items()})
    past_b = MeetingFactory(section=sec_b, **{f"event__{k}": v for k, v in past_times.items()})
    discussion_services.meeting_notes_save(meeting_id=past_a.pk, actor=head, body="メモ")
    discussion_services.meeting_notes_save(meeting_id=past_b.pk, actor=other, body="メモ")
    entry_a = discussion_services.entry_create(
        section_id=sec_a.pk, actor=head, title="A の参考Q&A", question="", answer="A",
        source_topic_ids=[topic_a.pk],
    )  # fmt: skip
    entry_b = discussion_services.entry_create(
        section_id=sec_b.pk, actor=other, title="B の参考Q&A", question="", answer="B"
    )
    public_entry = discussion_services.entry_create(
        section_id=sec_b.pk, actor=other, title="公開", question="", answer="C"
    )
    discussion_services.entry_publish(entry_id=public_entry.pk, actor=staff)

    # Moderation: A's reply reported by B's head (a case the member, A's head, decides);
    # B's reply reported by staff (not the member's business); member_b silenced.
    from moderation import services as moderation_services

    case_a = moderation_services.report_create(
        reporter=other, post_id=reply_a.pk, reason="spam"
    ).case
    case_b = moderation_services.report_create(
        reporter=staff, post_id=reply_b.pk, reason="spam"
    ).case
    penalty = moderation_services.penalty_create(
        actor=staff, user_id=member_b.pk, kind="silence", reason="テスト",
        ends_at=now + dt.timedelta(days=7),
    )  # fmt: skip

    feed_own = event_services.calendar_feed_get_or_create(user=head)
    feed_other = event_services.calendar_feed_get_or_create(user=other)
    assert CalendarFeed.objects.count() == 2

    # 年度更新: a running cycle; the member and `other` each asked, each with a change of
    # body whose address link is still to be opened.
    from renewals import services as renewal_services

    cycle = renewal_services.cycle_create(
        fiscal_year=today.year,
        opens_on=today - dt.timedelta(days=5),
        due_on=today + dt.timedelta(days=20),
        grace_until=today + dt.timedelta(days=50),
        actor=staff,
    )
    renewal_services.cycle_open(cycle_id=cycle.pk, approved_before=timezone.now())
    from municipalities.models import LocalGovernment

    sapporo = LocalGovernment.objects.get(code="011002")
    changes = {}
    for person in (head, other):
        changes[person.pk] = renewal_services.renewal_confirm(
            user=person,
            choice="moved_body",
            data={"affiliation_type": "local_government", "local_government": sapporo,
                  "department": "市民文化局", "work_email": f"m{person.pk}@city.sapporo.lg.jp"},
        ).change  # fmt: skip

    sa, sb = sec_a.slug, sec_b.slug
    r = w.real
    r["renewal/verify/<str:token>/", "token"] = [changes[head.pk].token]
    r["admin/renewals/cycle/<int:pk>/dashboard/", "pk"] = [cycle.pk]
    r["admin/renewals/cycle/<int:pk>/dashboard.csv", "pk"] = [cycle.pk]
    r["admin/renewals/cycle/<int:pk>/close/", "pk"] = [cycle.pk]
    r["members/<int:pk>/", "pk"] = [other.pk, applicant.pk]
    for route in (
        "sections/<slug:slug>/",
        "sections/<slug:slug>/join/",
        "sections/<slug:slug>/leave/",
        "sections/<slug:slug>/request/",
        "sections/<slug:slug>/request/withdraw/",
        "sections/<slug:slug>/invite/",
        "sections/<slug:slug>/meetings/new/",
        "sections/<slug:slug>/series/new/",
    ):
        r[route, "slug"] = [sa, sb]
    for suffix in ("", "edit/", "end/", "join/", "leave/", "series.ics"):
        route = f"sections/<slug:slug>/series/<int:series_id>/{suffix}"
        r[route, "slug"] = [sa, sb]
        r[route, "series_id"] = [series_a.pk, series_b.pk]
    for suffix, param, a_id, b_id in (
        ("requests/<int:request_id>/", "request_id", req_a.pk, req_b.pk),
        ("members/<int:user_id>/remove/", "user_id", member_b.pk, other.pk),
        ("members/<int:user_id>/role/", "user_id", member_b.pk, other.pk),
        ("members/<int:user_id>/handover/", "user_id", member_b.pk, other.pk),
        ("meetings/<int:meeting_id>/", "meeting_id", meeting_a.pk, meeting_b.pk),
        ("meetings/<int:meeting_id>/edit/", "meeting_id", meeting_a.pk, meeting_b.pk),
        ("meetings/<int:meeting_id>/cancel/", "meeting_id", meeting_a.pk, meeting_b.pk),
    ):
        route = f"sections/<slug:slug>/{suffix}"
        # Own section's object, the other section's object through our slug, and the
        # other section's object through its own slug.
        r[route, "slug"] = [sa, sb]
        r[route, param] = [a_id, b_id]
    events_ids = [meeting_a.event_id, meeting_b.event_id, training.event_id, orientation.event_id]
    r["events/<int:event_id>/rsvp/", "event_id"] = events_ids
    r["events/<int:event_id>/event.ics", "event_id"] = events_ids
    r["events/go/<str:token>/", "token"] = [reg_a.token, reg_b.token]
    r["calendar/<str:token>.ics", "token"] = [feed_own.token, feed_other.token]
    r["calendar/<str:token>/series/<int:series_id>.ics", "token"] = [feed_own.token]
    r["calendar/<str:token>/series/<int:series_id>.ics", "series_id"] = [series_a.pk, series_b.pk]
    r["broadcasts/episodes/<int:pk>/", "pk"] = [episode.pk]
    for suffix in ("", "follow/", "unfollow/"):
        r[f"broadcasts/programmes/<slug:slug>/{suffix}", "slug"] = [programme.slug]
    for suffix in ("", "apply/", "cancel/"):
        r[f"trainings/<int:pk>/{suffix}", "pk"] = [training.pk, orientation.pk]
        r[f"orientation/<int:pk>/{suffix}", "pk"] = [orientation.pk, training.pk]
    r["trainings/<int:pk>/materials/<int:material_id>/", "pk"] = [training.pk]
    r["trainings/<int:pk>/materials/<int:material_id>/", "material_id"] = [material.pk]
    for route, _policy in routes():
        if route.startswith("sections/<slug:slug>/topics/"):
            r[route, "slug"] = [sa, sb]
            r[route, "topic_id"] = [topic_a.pk, topic_b.pk]
            r[route, "post_id"] = [reply_a.pk, reply_b.pk]
            r[route, "attachment_id"] = [att_a.pk, att_b.pk]
        elif route.startswith("sections/<slug:slug>/meetings/<int:meeting_id>/"):
            if (route, "meeting_id") not in r:
                r[route, "slug"] = [sa, sb]
                r[route, "meeting_id"] = [past_a.pk, past_b.pk]
        elif route.startswith("qa/<int:entry_id>/"):
            r[route, "entry_id"] = [entry_a.pk, public_entry.pk, entry_b.pk]
    for route in ("sections/<slug:slug>/reading/", "sections/<slug:slug>/qa/"):
        r[route, "slug"] = [sa, sb]
    r["moderation/report/<str:kind>/<int:pk>/", "kind"] = ["post", "profile"]
    r["moderation/report/<str:kind>/<int:pk>/", "pk"] = [reply_a.pk, other.pk]
    for suffix in ("", "decide/"):
        r[f"moderation/cases/<int:case_id>/{suffix}", "case_id"] = [case_a.pk, case_b.pk]
    r["moderation/members/<int:user_id>/penalty/", "user_id"] = [member_b.pk, other.pk]
    r["moderation/penalties/<int:penalty_id>/lift/", "penalty_id"] = [penalty.pk]
    # notifications: the head's own notification (another member's answers 404), an
    # お知らせ, and a real unsubscribe token (public, signed).
    from notifications import services as notification_services

    announcement = notification_services.announcement_publish(
        actor=staff_noperm, title="お知らせ", body="本文"
    )
    own = head.notifications.order_by("pk").first()
    others = other.notifications.order_by("pk").first()
    r["notifications/<int:notification_id>/open/", "notification_id"] = [own.pk, others.pk]
    r["notifications/announcements/<int:announcement_id>/", "announcement_id"] = [announcement.pk]
    r["notifications/unsubscribe/<str:token>/", "token"] = [
        notification_services.unsubscribe_token(user_id=head.pk, mail="digest")
    ]
    r["admin/broadcasts/programme/<int:pk>/generate/", "pk"] = [programme.pk]
    r["admin/trainings/training/<int:pk>/registrants/", "pk"] = [training.pk]
    r["admin/trainings/training/<int:pk>/registrants.csv", "pk"] = [training.pk]

    # What the member (head of A, not in B) must not reach: B's management, B's objects
    # through A's slug, another member's personal link, an applicant's profile, the
    # orientation's pages for a training, materials without a registration. (B's meetings
    # themselves are visible to every member, and an outsider's RSVP gets a message:
    # docs/architecture.md, tests/sections/test_views.py.)
    w.tampered = [
        ("POST", f"/sections/{sb}/requests/{req_b.pk}/", {"decision": "accept"}),
        ("POST", f"/sections/{sa}/requests/{req_b.pk}/", {"decision": "accept"}),
        ("POST", f"/sections/{sb}/members/{other.pk}/remove/", {}),
        ("POST", f"/sections/{sb}/members/{other.pk}/role/", {"role": "member"}),
        ("POST", f"/sections/{sb}/members/{other.pk}/handover/", {}),
        ("POST", f"/sections/{sa}/members/{other.pk}/remove/", {}),
        ("POST", f"/sections/{sb}/invite/", {"email": member_b.email}),
        ("GET", f"/sections/{sb}/meetings/new/", None),
        ("GET", f"/sections/{sb}/meetings/{meeting_b.pk}/edit/", None),
        ("POST", f"/sections/{sb}/meetings/{meeting_b.pk}/cancel/", {}),
        ("GET", f"/sections/{sa}/meetings/{meeting_b.pk}/", None),
        ("GET", f"/sections/{sb}/series/new/", None),
        ("POST", f"/sections/{sb}/series/new/", _series()),
        ("GET", f"/sections/{sb}/series/{series_b.pk}/edit/?scope=all", None),
        ("POST", f"/sections/{sb}/series/{series_b.pk}/edit/?scope=all", _series()),
        ("POST", f"/sections/{sb}/series/{series_b.pk}/end/", {}),
        ("GET", f"/sections/{sa}/series/{series_b.pk}/", None),
        ("POST", f"/sections/{sa}/series/{series_b.pk}/join/", {}),
        ("POST", f"/sections/{sa}/series/{series_b.pk}/end/", {}),
        (
            "GET",
            f"/sections/{sa}/series/{series_a.pk}/edit/?scope=following&from={series_meeting_b.pk}",
            None,
        ),
        ("POST", f"/sections/{sa}/series/{series_a.pk}/end/", {"from": series_meeting_b.pk}),
        ("GET", f"/calendar/not-a-token/series/{series_a.pk}.ics", None),
        ("GET", f"/events/go/{reg_b.token}/", None),
        ("GET", f"/members/{applicant.pk}/", None),
        ("POST", f"/orientation/{training.pk}/apply/", {}),
        ("GET", f"/trainings/{orientation.pk}/materials/{material.pk}/", None),
        ("GET", f"/trainings/{training.pk}/materials/{material.pk}/", None),
        # Discussions: B is 課員のみ and the member is not in it.
        ("GET", f"/sections/{sb}/topics/", None),
        ("GET", f"/sections/{sb}/topics/{topic_b.pk}/", None),
        ("GET", f"/sections/{sa}/topics/{topic_b.pk}/", None),
        ("GET", f"/sections/{sb}/topics/{topic_b.pk}/files/{att_b.pk}/", None),
        ("GET", f"/sections/{sa}/topics/{topic_a.pk}/files/{att_b.pk}/", None),
        ("POST", f"/sections/{sb}/topics/new/", {"kind": "question", "title": "t", "body": "b"}),
        ("POST", f"/sections/{sb}/topics/{topic_b.pk}/reply/", {"body": "b"}),
        ("POST", f"/sections/{sa}/topics/{topic_a.pk}/posts/{reply_b.pk}/delete/", {}),
        ("POST", f"/sections/{sa}/topics/{topic_a.pk}/posts/{reply_a.pk}/edit/", {"body": "x"}),
        ("GET", f"/sections/{sa}/topics/{topic_a.pk}/edit/", None),
        ("POST", f"/sections/{sa}/topics/{topic_a.pk}/posts/{reply_b.pk}/answer/", {}),
        ("POST", f"/sections/{sb}/topics/{topic_b.pk}/answer/clear/", {}),
        ("POST", f"/sections/{sb}/topics/{topic_b.pk}/lock/", {"locked": "1"}),
        ("POST", f"/sections/{sb}/reading/", {"reading": "members"}),
        ("GET", f"/sections/{sb}/meetings/{past_b.pk}/notes/", None),
        ("POST", f"/sections/{sb}/meetings/{past_b.pk}/scribe/", {"user": str(head.pk)}),
        ("GET", f"/sections/{sb}/meetings/{past_b.pk}/qa/new/", None),
        ("GET", f"/sections/{sb}/topics/{topic_b.pk}/qa/new/", None),
        ("GET", f"/qa/{entry_b.pk}/", None),
        ("GET", f"/qa/{entry_b.pk}/edit/", None),
        ("GET", f"/qa/{entry_a.pk}/publish/", None),
        ("POST", f"/qa/{entry_a.pk}/publish/", {"confirm": "1"}),
        ("POST", f"/qa/{public_entry.pk}/unpublish/", {}),
        # Moderation: B's case, B's 課員のみ reply, staff-only penalties.
        ("GET", f"/moderation/cases/{case_b.pk}/", None),
        ("POST", f"/moderation/cases/{case_b.pk}/decide/", {"decision": "dismiss", "note": "x"}),
        ("GET", f"/moderation/report/post/{reply_b.pk}/", None),
        ("POST", f"/moderation/report/post/{reply_b.pk}/", {"reason": "spam"}),
        (
            "POST",
            f"/moderation/report/post/{topic_a.posts.get(number=1).pk + 10**6}/",
            {"reason": "spam"},
        ),
        ("GET", f"/moderation/members/{other.pk}/penalty/", None),
        (
            "POST",
            f"/moderation/members/{other.pk}/penalty/",
            {"kind": "silence", "days": "7", "reason": "x"},
        ),
        ("POST", f"/moderation/penalties/{penalty.pk}/lift/", {}),
        # 年度更新: another member's address link.
        ("GET", f"/renewal/verify/{changes[other.pk].token}/", None),
        ("POST", f"/renewal/verify/{changes[other.pk].token}/", {}),
    ]
    for model_admin in admin.site._registry.values():
        opts = model_admin.model._meta
        obj = model_admin.get_queryset(_StaffRequest(staff)).order_by("pk").first()
        if obj is not None:
            w.admin_ids[f"{opts.app_label}/{opts.model_name}"] = obj.pk
    assert Registration.objects.filter(status="going").count() >= 4
    return w


class _StaffRequest:
    """Just enough of a request for ModelAdmin.get_queryset."""

    def __init__(self, user):
        self.user = user


# Regex routes (allauth, the admin's app index) are filled in by hand.
REGEX_ROUTES = {
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": [
        "accounts/confirm-email/garbage/",
        "accounts/confirm-email/" + "a" * 300 + "/",
        "accounts/confirm-email/MQ:1abc:xyz/",
    ],
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": [
        "accounts/password/reset/key/zz-garbage/",
        f"accounts/password/reset/key/{'z' * 40}-set-password/",
        f"accounts/password/reset/key/1-{NUL}/",
    ],
}


def routes() -> list[tuple[str, str]]:
    return list(walk(get_resolver().url_patterns))


def _fill(route: str, values: dict[str, str]) -> str:
    return "/" + PARAM_RE.sub(lambda m: str(values[m["name"]]), route)


def _hostile_values(route: str, conv: str, name: str, w: World) -> list[str]:
    if route.startswith("admin/") and conv == "path":
        model = "/".join(route.split("/")[1:3])
        real = [w.admin_ids[model]] if model in w.admin_ids else []
        return [*real, "abc", HUGE, NUL, "-1", "1.5", LONG]
    real = w.real.get((route, name), [])
    if conv == "int":
        return [*real, "987654321", HUGE, "0"]
    if conv == "slug":
        return [*real, "no-such-thing", "-", "a" * 300]
    return [*real, "x", NUL, LONG, "..%2F..%2Fetc", "%E3%81%82"]


def path_variants(route: str, w: World) -> list[str]:
    """The path with real values, then one parameter at a time made hostile."""
    if route in REGEX_ROUTES:
        return ["/" + p for p in REGEX_ROUTES[route]]
    if "(?P" in route or "^" in route:
        return ["/admin/sections/", "/admin/nosuchapp/", "/admin/%00/"]
    params = [(m["conv"] or "str", m["name"]) for m in PARAM_RE.finditer(route)]
    if not params:
        return [_fill(route, {})]
    options = {name: _hostile_values(route, conv, name, w) for conv, name in params}
    base = {name: vals[0] for name, vals in options.items()}
    urls = [_fill(route, base)]
    for name, vals in options.items():
        for value in vals[1:]:
            urls.append(_fill(route, {**base, name: value}))
    return list(dict.fromkeys(urls))


def query_variants(route: str, admin_params: tuple[str, ...] = ()) -> list[str]:
    """Each parameter the page reads with each hostile value, one at a time; a page that
    reads none gets them all at once."""
    params = admin_params or READS.get(route)
    if params:
        queries = [f"{p}={v}" for p in params for v in VALUES]
    else:
        queries = ["&".join(f"{p}={v}" for p in EVERYTHING) for v in VALUES]
    queries += EXTRA_QUERIES.get(route, ())
    return ["?" + q for q in queries]


def post_variants(route: str) -> list[dict]:
    bodies: list[dict] = [{name: value for name in POST_FIELDS} for value in POST_VALUES]
    return bodies + [dict(b) for b in SPECIALS.get(route, ())]


ADMIN_FILTER_RE = re.compile(r'href="\?([^"#]+)"')


def admin_queries(html: str) -> list[str]:
    """For a changelist: each parameter its own links use with a number in it (filters by
    id, the date hierarchy, sort, page) with an overflowing integer, and all of them at
    once with garbage and NUL."""
    names, numeric = {"q", "o", "p", "all"}, {"o", "p"}
    for query in ADMIN_FILTER_RE.findall(html):
        for part in query.replace("&amp;", "&").split("&"):
            name, _, value = part.partition("=")
            names.add(name)
            if value.replace("-", "").replace(".", "").isdigit():
                numeric.add(name)
    names.discard("")
    queries = [f"{n}={HUGE}" for n in sorted(numeric)]
    queries += ["&".join(f"{n}={v}" for n in sorted(names)) for v in ("abc", NUL, LONG)]
    return ["?" + q for q in queries]


@dataclass
class Sweep:
    client: Client
    failures: list = field(default_factory=list)
    count: int = 0
    answers: list = field(default_factory=list)  # (method, url, status)

    def send(self, method: str, url: str, data=None, htmx: bool = False):
        """The response, or None when the view raised."""
        headers = {"HX-Request": "true"} if htmx else {}
        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        sid = transaction.savepoint()
        self.count += 1
        try:
            if method == "GET":
                response = self.client.get(url, headers=headers)
            else:
                response = self.client.post(url, data or {}, headers=headers)
            if response.streaming:  # a file download: read it, so the client closes it
                b"".join(response.streaming_content)
        except Exception as exc:  # the test client re-raises what the view raised
            self.fail(method, url, data, htmx, f"{type(exc).__name__}: {str(exc)[:150]}")
            return None
        finally:
            transaction.savepoint_rollback(sid)
            if cookie is not None:  # a logout or a rotated session must not leak onward
                self.client.cookies[settings.SESSION_COOKIE_NAME] = cookie.value
        if response.status_code >= 500:
            self.fail(method, url, data, htmx, str(response.status_code))
        self.answers.append((method, url, response.status_code))
        return response

    def fail(self, method, url, data, htmx, what):
        url = url if len(url) < 140 else url[:137] + "..."
        self.failures.append(f"{method} {url}{' (htmx)' if htmx else ''} {_short(data)}: {what}")


def _short(data) -> str:
    if not data:
        return ""
    text = repr(data)
    return text if len(text) < 120 else text[:117] + "..."


ROLES = ("anonymous", "applicant", "member", "staff", "staff-admin", "staff-noperm")
OPEN_TO = {
    "anonymous": {"public", "allauth"},
    "applicant": {"public", "allauth", "applicant"},
    "member": {"public", "allauth", "applicant", "member"},
    "staff": {"public", "allauth", "applicant", "member"},
    "staff-admin": {"admin"},
    "staff-noperm": {"admin"},
}
# What a staff account without permissions may open (tests/accounts/test_access_matrix.py).
# (A POST to the login page renders its form again.)
NOPERM_OPEN = ("/admin/", "/admin/password_change/", "/admin/password_change/done/",
               "/admin/jsi18n/", "/admin/login/")  # fmt: skip
# The admin's generic views are Django's own: sweep the changelists (our filters and
# search), the add forms and our custom views, and only the real and tampered ids of the
# change/history/delete pages.
ADMIN_SKIP = ("history/", "delete/", "<path:object_id>/", "password_change/done/")


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500_to_hostile_input(role, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    w = build_world(tmp_path)
    client = Client()
    if role != "anonymous":
        client.force_login(w.users[role.removesuffix("-admin")])
    if role == "staff-noperm":
        assert not w.users[role].get_all_permissions()
    sweep = Sweep(client)
    for route, policy in routes():
        if policy not in OPEN_TO[role]:
            if role in ("anonymous", "applicant"):
                # Redirected or refused before the view runs: a few paths are enough.
                for url in path_variants(route, w)[:3]:
                    sweep.send("GET", url)
            continue
        if role == "staff" and "<" not in route:
            continue  # the same pages as the member's; staff differ on others' objects
        sweep_route(sweep, route, path_variants(route, w), role)
    assert sweep.count > 200
    if role == "staff-noperm":  # hostile or not, no admin page opens for them
        opened = [
            f"{method} {url}"
            for method, url, status in sweep.answers
            if status == 200 and url.split("?")[0] not in NOPERM_OPEN
        ]
        assert opened == [], opened[:50]
    assert sweep.failures == [], (
        f"{len(sweep.failures)} of {sweep.count} requests as {role} failed:\n"
        + "\n".join(sweep.failures[:100])
    )


CHANGELIST_RE = re.compile(r"^admin/\w+/\w+/$")


def sweep_route(sweep: Sweep, route: str, urls: list[str], role: str) -> None:
    if route.startswith("admin/") and route.endswith(ADMIN_SKIP):
        # Django's own history/delete/redirect pages: the real and tampered ids, GET only.
        for url in urls[:3]:
            sweep.send("GET", url)
        return
    changelist = bool(CHANGELIST_RE.match(route)) and route != "admin/autocomplete/"
    htmx = route in HTMX_ROUTES
    # 1. Every path variant: GET and an empty POST (htmx too for the real path).
    admin_form = route.startswith("admin/") and route.endswith(("add/", "change/"))
    first_get = first_post = None
    for index, url in enumerate(urls):
        for kind in (False, True) if htmx and index == 0 else (False,):
            got = sweep.send("GET", url, htmx=kind)
            posted = None
            if not (admin_form and index):  # Django's own form views: tampered ids GET only
                posted = sweep.send("POST", url, htmx=kind)
            if index == 0 and not kind:
                first_get, first_post = got, posted
    real = urls[0]
    # 2. Query strings on the real path, when it answers GET (staff: the member sweep
    # already covers the member pages' query strings; admin forms read none).
    first = first_get
    if first is not None and first.status_code != 405 and role != "staff":
        if changelist:
            queries = admin_queries(first.content.decode()) if first.status_code == 200 else []
        elif route.startswith("admin/") and "<" in route:
            queries = []
        else:
            queries = query_variants(route)
        for query in queries:
            sweep.send("GET", real + query)
            if htmx and any(v in query for v in HTMX_VALUES):
                sweep.send("GET", real + query, htmx=True)
    # 3. Hostile bodies on the real path, when it answers POST (a changelist's POST is
    # its bulk actions: the specials cover ours).
    first = first_post
    if first is not None and first.status_code != 405:
        specials = [dict(b) for b in SPECIALS.get(route, ())]
        if changelist:
            bodies = specials
        elif admin_form:  # Django's forms: the values that broke our widgets and fields
            bodies = [b for b in post_variants(route) if b.get("title") in (HUGE, "abc")]
        else:
            bodies = post_variants(route)
        for body in bodies:
            sweep.send("POST", real, body)
            if htmx and (body in specials or "\x00" not in body.values()):
                sweep.send("POST", real, body, htmx=True)


def test_other_members_objects_are_403_or_404(tmp_path, settings):
    """The member heads section A: section B's management, B's objects through A's slug,
    another member's personal link and the like must not exist for them."""
    settings.MEDIA_ROOT = tmp_path
    w = build_world(tmp_path)
    client = Client()
    client.force_login(w.users["member"])
    sweep = Sweep(client)
    wrong = []
    for method, url, data in w.tampered:
        response = sweep.send(method, url, data)
        if response is not None and response.status_code not in (403, 404):
            wrong.append(f"{method} {url}: {response.status_code}")
    assert sweep.failures == []
    assert wrong == []
