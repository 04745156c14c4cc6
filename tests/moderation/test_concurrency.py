"""Races on PostgreSQL threads: reports arriving together hide a post exactly once and
tell its author exactly once; a double click is one report; two moderators deciding at
once make one decision; two beats lift a penalty once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from discussions import services as discussion_services
from discussions.models import Post
from moderation import services
from moderation.models import AuditEntry, Case, Penalty, Report
from moderation.services import ModerationError
from outbox.models import OutgoingMail
from sections.models import SectionMembership
from tests.factories import MemberFactory, SectionFactory, StaffFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 8


def _run(targets) -> tuple[list[BaseException], list]:
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []
    results: list = []

    def attempt(target):
        try:
            barrier.wait(timeout=30)
            results.append(target())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return errors, results


@pytest.fixture
def thread(postgres, local_governments):
    section = SectionFactory()
    people = [MemberFactory() for _ in range(N + 1)]
    for person in people:
        SectionMembership.objects.create(section=section, user=person)
    topic = discussion_services.topic_create(
        section_id=section.pk, author=people[0], kind="question", title="競合", body="本文"
    ).topic
    reply = discussion_services.reply_create(topic_id=topic.pk, author=people[0], body="返信").post
    return section, people, reply


def _report(person, post, reason="spam"):
    return lambda: services.report_create(reporter=person, post_id=post.pk, reason=reason)


def test_reports_arriving_together_hide_once_and_tell_the_author_once(thread):
    _, people, reply = thread
    errors, results = _run([_report(p, reply) for p in people[1:]])
    assert errors == []
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert Report.objects.filter(case=case).count() == N and case.report_count == N
    assert Post.objects.get(pk=reply.pk).hidden_at is not None
    assert sum(1 for r in results if r.hidden_now) == 1
    assert AuditEntry.objects.filter(action="auto_hide").count() == 1
    mails = OutgoingMail.objects.filter(template="moderation_hidden")
    assert mails.count() == 1 and mails.get().to_email == people[0].email


def test_two_personal_reports_at_once_hide_once(thread):
    _, people, reply = thread
    errors, results = _run([_report(p, reply, "personal") for p in people[1:3]])
    assert errors == []
    assert Post.objects.get(pk=reply.pk).hidden_reason == "personal"
    assert sum(1 for r in results if r.hidden_now) == 1
    assert OutgoingMail.objects.filter(template="moderation_hidden").count() == 1


def test_a_double_click_is_one_report(thread):
    _, people, reply = thread
    errors, results = _run([_report(people[1], reply), _report(people[1], reply)])
    assert errors == []
    assert Report.objects.count() == 1
    assert sorted(r.created for r in results) == [False, True]


def test_two_moderators_deciding_at_once_make_one_decision(thread):
    _, people, reply = thread
    for person in people[1:4]:
        services.report_create(reporter=person, post_id=reply.pk, reason="spam")
    case = Case.objects.get()
    staff = [StaffFactory(), StaffFactory()]

    def decide(actor, decision):
        return lambda: services.case_decide(
            case_id=case.pk, actor=actor, decision=decision, note="判断"
        )

    errors, _ = _run([decide(staff[0], "dismiss"), decide(staff[1], "hide")])
    assert len(errors) == 1 and isinstance(errors[0], ModerationError)
    assert AuditEntry.objects.filter(action="decide").count() == 1
    assert OutgoingMail.objects.filter(template="moderation_outcome").count() == 3
    assert OutgoingMail.objects.filter(template="moderation_decision").count() == 1


def test_two_beats_lift_a_penalty_once(thread):
    _, people, _ = thread
    now = timezone.now()
    services.penalty_create(
        actor=StaffFactory(), user_id=people[2].pk, kind="silence", reason="r",
        ends_at=now + timedelta(days=1), now=now,
    )  # fmt: skip
    later = now + timedelta(days=1, seconds=1)
    errors, results = _run([lambda: services.penalties_lift_due(now=later)] * 2)
    assert errors == [] and sorted(results) == [0, 1]
    assert Penalty.objects.get().lifted_at == later
    assert OutgoingMail.objects.filter(template="moderation_penalty_lifted").count() == 1
