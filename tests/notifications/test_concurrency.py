"""On PostgreSQL: the unread count stays exact under concurrent posts; digests go exactly
once with two threads and with two real Celery workers on Redis."""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.db import close_old_connections, connection

from discussions import services as discussions
from notifications import selectors, services
from notifications.models import Notification, Preference
from outbox.models import OutgoingMail
from sections import services as sections
from tests.factories import MemberFactory
from tests.workers import celery_worker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 12


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
        thread.join(timeout=120)
    close_old_connections()
    return errors


def test_the_unread_count_is_exact_under_concurrent_posts(postgres, local_governments, world):
    topic = world.ask()
    people = [MemberFactory() for _ in range(N)]
    for person in people:
        sections.section_join(section_id=world.section.pk, user=person)
    services.notifications_mark_all_read(user=world.watcher)

    def reply(person, i):
        return lambda: discussions.reply_create(
            topic_id=topic.pk, author=person, body=f"@[全件 次郎] 返信{i}"
        )

    assert _run([reply(p, i) for i, p in enumerate(people)]) == []
    assert selectors.unread_count(world.watcher) == N
    # one row per post: the mention replaced the reply notification, never both
    assert Notification.objects.filter(recipient=world.watcher, read_at=None).count() == N
    assert selectors.unread_count(world.asker) == N  # follows its question
    _, groups = selectors.inbox_page(user=world.watcher)
    assert groups[0].unread == N


def _digest_world(world, members: int) -> list:
    people = [MemberFactory() for _ in range(members)]
    for person in people:
        sections.section_join(section_id=world.section.pk, user=person)
    world.ask(title="今週の話題")
    return people


def test_two_digest_runs_at_once_send_each_digest_once(postgres, local_governments, world):
    people = _digest_world(world, 40)
    runs: list = []
    assert _run([lambda: runs.append(services.digests_send(batch=7)) for _ in range(2)]) == []
    mails = OutgoingMail.objects.filter(template="notifications_digest")
    to = list(mails.values_list("to_email", flat=True))
    assert len(to) == len(set(to)) == len(people) + 3  # + asker, replier, watcher
    assert sum(r.sent for r in runs) == len(to)


def test_two_real_workers_send_each_digest_once(
    postgres, local_governments, redis_url, world, tmp_path
):
    people = _digest_world(world, 30)
    settings = connection.settings_dict
    db_url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    queue = f"digest-it-{os.getpid()}-{time.time_ns()}"
    env = {"DATABASE_URL": db_url, "REDIS_URL": redis_url, "YOKOITO_VAR_DIR": str(tmp_path)}
    from celery import Celery

    client = Celery(broker=redis_url)
    expected = len(people) + 3
    try:
        with celery_worker(queue=queue, env=env), celery_worker(queue=queue, env=env):
            for _ in range(4):  # the beat fired four times; two workers take them
                client.send_task("notifications.tasks.digests_send", queue=queue)
            deadline = time.time() + 90
            mails = OutgoingMail.objects.filter(template="notifications_digest")
            while time.time() < deadline:
                marked = Preference.objects.exclude(digest_period="").count()
                if marked >= Preference.objects.count() and mails.count() >= expected:
                    break
                time.sleep(0.5)
            time.sleep(3)  # let the other runs finish
    finally:
        client.close()
    to = list(mails.values_list("to_email", flat=True))
    assert len(to) == len(set(to)) == expected
