"""Every mail template of the site (ours and allauth's overrides): plain text with autoescape
off (issue 9 item 11), one register — 「〇〇 様」, signed by 横糸 事務局 (issue 10 item 4)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from events import services as event_services
from outbox.models import OutgoingMail
from outbox.services import render_plain
from sections import services as section_services
from tests.factories import MeetingFactory, SectionMembershipFactory
from trainings import services as training_services

ROOT = Path(settings.BASE_DIR) / "templates"
TITLE = '"研修" <A&B>'
ENTITIES = ("&quot;", "&lt;", "&gt;", "&amp;", "&#x27;", "&#39;", "&#34;")
SIGNATURE = "\n--\n横糸 事務局\n" + settings.SITE_URL


class Hostile(str):
    """Stands for any value a template reads: every attribute, key and loop item of it is
    the hostile title again."""

    def __new__(cls):
        return super().__new__(cls, TITLE)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Hostile()

    def __getitem__(self, key):
        return Hostile() if isinstance(key, str) else str.__getitem__(self, key)

    def __iter__(self):
        return iter([Hostile()])


VARIABLE = re.compile(
    r"\{\{\s*([A-Za-z_]\w*)|\{%\s*(?:if|elif|for \w+ in)\s+(?:not\s+)?([A-Za-z_]\w*)"
)


def _names(path: Path) -> set[str]:
    text = path.read_text()
    for parent in re.findall(r'\{% (?:extends|include) "account/email/([\w.]+)" %\}', text):
        text += (ROOT / "account" / "email" / parent).read_text()
    return {a or b for a, b in VARIABLE.findall(text)}


def _context(path: Path) -> dict:
    ctx = {name: Hostile() for name in _names(path)}
    ctx.update(site_name="横糸", site_url=settings.SITE_URL)
    return ctx


def _bodies() -> list[Path]:
    ours = [
        p
        for p in (ROOT / "mail").glob("*.txt")
        if not p.name.endswith(".subject.txt") and not p.name.startswith("_")  # partials
    ]
    allauth = [
        p for p in (ROOT / "account" / "email").glob("*_message.txt") if p.parent.name == "email"
    ]
    return sorted(ours + allauth)


def _subjects() -> list[Path]:
    return sorted(
        [
            *(ROOT / "mail").glob("*.subject.txt"),
            *(ROOT / "account" / "email").glob("*_subject.txt"),
        ]
    )


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_kind_of_mail_has_its_templates():
    bodies = {_name(p) for p in _bodies()}
    # allauth's mails, overridden: each of the library's message templates has ours.
    import allauth

    stock = Path(allauth.__file__).parent / "templates" / "account" / "email"
    for path in stock.glob("*_message.txt"):
        assert f"account/email/{path.name}" in bodies, path.name
    for path in stock.glob("*_subject.txt"):
        assert (ROOT / "account" / "email" / path.name).exists(), path.name
    for body in (ROOT / "mail").glob("*.txt"):
        if not body.name.endswith(".subject.txt") and not body.name.startswith("_"):
            assert body.with_name(body.name.replace(".txt", ".subject.txt")).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", _bodies(), ids=_name)
def test_body_is_plain_text_in_the_register_and_signed(path):
    body = render_plain(_name(path), _context(path))
    for entity in ENTITIES:
        assert entity not in body, (entity, body)
    if _names(path) - {"site_name", "site_url"}:
        assert TITLE in body
    greeting = next(line for line in body.splitlines() if line.strip())
    assert greeting.endswith(" 様") or greeting.endswith("の皆さま"), greeting
    assert "さん" not in body and "こんにちは" not in body
    assert body.rstrip().endswith(SIGNATURE), body[-80:]
    assert "{{" not in body and "{%" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("path", _subjects(), ids=_name)
def test_subject_is_plain_text_in_the_register(path):
    subject = render_plain(_name(path), _context(path)).strip()
    assert subject and "\n" not in subject
    for entity in ENTITIES:
        assert entity not in subject, (entity, subject)
    assert "さん" not in subject


@pytest.mark.django_db
def test_a_meeting_titled_with_quotes_and_brackets_through_every_mail_kind():
    """The real flows: confirmed, waitlisted then promoted, reminder, changed, cancelled."""
    meeting = MeetingFactory(event__capacity=1, event__title=TITLE)
    head = SectionMembershipFactory(section=meeting.section, role="head").user
    first = SectionMembershipFactory(section=meeting.section).user
    second = SectionMembershipFactory(section=meeting.section).user
    event_id = meeting.event_id
    yesterday = timezone.now() - dt.timedelta(days=1)
    event_services.registration_rsvp(event_id=event_id, user=first, going=True, now=yesterday)
    event_services.registration_rsvp(event_id=event_id, user=second, going=True, now=yesterday)
    event_services.registration_cancel(event_id=event_id, user=first)  # promotes `second`
    event_services.reminders_send_due(now=meeting.event.starts_at - dt.timedelta(minutes=30))
    new_start = meeting.event.starts_at + dt.timedelta(days=1)
    section_services.meeting_update(
        meeting_id=meeting.pk,
        actor=head,
        starts_at=new_start,
        ends_at=new_start + dt.timedelta(hours=1),
    )
    section_services.meeting_cancel(meeting_id=meeting.pk, actor=head)
    # A training of the same title: confirmation by mail, and a staff announcement.
    now = timezone.now()
    training = training_services.training_create(
        title=TITLE,
        starts_at=now + dt.timedelta(days=10),
        ends_at=now + dt.timedelta(days=10, hours=1),
        join_url="https://meet.example.jp/t",
        application_opens_at=now - dt.timedelta(days=1),
    )
    training_services.training_apply(training_id=training.pk, user=first)
    training_services.announcement_send(
        training_id=training.pk, subject=TITLE, body=f"{TITLE} の資料です。", sender=head
    )
    kinds = set(OutgoingMail.objects.values_list("template", flat=True))
    assert {
        "events_confirmed",
        "trainings_announcement",
        "events_promoted",
        "events_reminder",
        "events_changed",
        "events_cancelled",
    } <= kinds
    for row in OutgoingMail.objects.all():
        assert TITLE in row.subject, (row.template, row.subject)
        assert TITLE in row.body, row.template
        for entity in ENTITIES:
            assert entity not in row.subject + row.body, (row.template, entity)
        assert row.body.rstrip().endswith(SIGNATURE)
