"""Races on PostgreSQL: parallel replies get distinct numbers and an exact count; hiding
and deleting at the same moment leave the count right."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from discussions import services
from discussions.models import Post, Topic
from sections.models import SectionMembership
from tests.factories import MemberFactory, SectionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 16


def _run(targets) -> list[BaseException]:
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def attempt(target):
        try:
            barrier.wait(timeout=30)
            target()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return errors


def test_parallel_replies_are_numbered_once_each(postgres, local_governments):
    section = SectionFactory()
    people = [MemberFactory() for _ in range(N)]
    for person in people:
        SectionMembership.objects.create(section=section, user=person)
    topic = services.topic_create(
        section_id=section.pk, author=people[0], kind="question", title="競合", body="本文"
    ).topic

    def reply(person):
        return lambda: services.reply_create(topic_id=topic.pk, author=person, body="返信")

    assert _run([reply(p) for p in people]) == []
    numbers = sorted(Post.objects.filter(topic=topic).values_list("number", flat=True))
    assert numbers == list(range(1, N + 2))
    topic.refresh_from_db()
    assert topic.reply_count == N and topic.last_number == N + 1

    replies = list(Post.objects.filter(topic=topic, number__gt=1).order_by("number"))
    half = replies[: N // 2]
    # The same posts hidden by moderation and deleted by their authors at once.
    targets = [lambda p=p: services.post_set_hidden(post_id=p.pk, reason="spam") for p in half]
    targets += [lambda p=p: services.post_delete(post_id=p.pk, actor=p.author) for p in half]
    assert _run(targets) == []
    assert Topic.objects.get(pk=topic.pk).reply_count == N - len(half)
