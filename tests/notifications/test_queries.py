"""The bell costs no query of its own on any member page (its count is a subquery of the
query that loads the signed-in user); the inbox is constant in data size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _flood(world, topics: int, replies: int) -> None:
    """Notifications for the watcher without going through the rate limit: topics and
    replies by the services, spread over authors."""
    authors = [world.asker, world.replier, world.head, world.quiet, world.muted]
    n = 0
    from django.utils import timezone

    from discussions import services as discussions

    start = timezone.now() - timezone.timedelta(days=30)
    for t in range(topics):
        topic = discussions.topic_create(
            section_id=world.section.pk, author=authors[t % 5], kind="question",
            title=f"話題{t}", body="本文", now=start + timezone.timedelta(hours=n),
        ).topic  # fmt: skip
        n += 1
        for r in range(replies):
            discussions.reply_create(
                topic_id=topic.pk, author=authors[(t + r) % 5], body="返信",
                now=start + timezone.timedelta(hours=n),
            )  # fmt: skip
            n += 1


def _notification_queries(client, path) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    ours = [q for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    return len(ours), len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["home", "sections:directory"])
def test_the_bell_costs_no_query_of_its_own(client, world, path):
    _flood(world, topics=3, replies=4)
    client.force_login(world.watcher)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(path))
    ours = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(ours) == 1 and ours[0].startswith('SELECT "accounts_user"."id"'), ours
    unread = Notification.objects.filter(recipient=world.watcher, read_at__isnull=True).count()
    assert unread > 10
    assert f'data-bell-count="{unread}"' in response.content.decode()
    # Marking read in one request, the next page shows the new count.
    services.notifications_mark_all_read(user=world.watcher)
    assert 'data-bell-count="' not in client.get(reverse(path)).content.decode()


def test_no_bell_query_for_visitors(client, world):
    ours, _ = _notification_queries(client, reverse("landing"))
    assert ours == 0


def test_the_inbox_is_constant(client, world, django_assert_max_num_queries):
    _flood(world, topics=2, replies=1)
    services.announcement_publish(actor=world.staff, title="お知らせ", body="本文")
    client.force_login(world.watcher)
    _, few = _notification_queries(client, reverse("notifications:inbox"))
    _flood(world, topics=30, replies=6)
    services.moderation_decision_notify(decision_id=1, user_ids=[world.watcher.pk], text="対応")
    assert Notification.objects.filter(recipient=world.watcher).count() > 200
    _, many = _notification_queries(client, reverse("notifications:inbox"))
    _, second_page = _notification_queries(client, reverse("notifications:inbox") + "?page=2")
    assert many == few == second_page
    with django_assert_max_num_queries(9):
        client.get(reverse("notifications:inbox"))


def test_the_settings_page_is_constant(client, world, django_assert_max_num_queries):
    from sections import services as sections
    from tests.factories import SectionFactory

    client.force_login(world.replier)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:settings"))
    for _ in range(20):
        sections.section_join(section_id=SectionFactory().pk, user=world.replier)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("notifications:settings"))
    assert len(many) == len(few)
    assert page.content.decode().count("data-channel=") == 21
