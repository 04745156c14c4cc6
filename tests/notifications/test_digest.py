"""Digests: exactly once per member and period, only watched and readable activity,
skipped when empty, never to suspended or withdrawn members."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.jst import JST
from discussions import services as discussions
from notifications import services
from notifications.models import Preference
from outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=JST)  # weekly digests are due at 7:00 JST
POSTED = datetime(2026, 12, 3, 12, 0, tzinfo=JST)


def _digests():
    return OutgoingMail.objects.filter(template="notifications_digest")


def _post(world, *, title="今週の話題", now=POSTED, replies=2):
    topic = discussions.topic_create(
        section_id=world.section.pk, author=world.asker, kind="question", title=title,
        body="本文", now=now,
    ).topic  # fmt: skip
    for i in range(replies):
        discussions.reply_create(
            topic_id=topic.pk, author=world.replier, body=f"返信{i}", now=now + timedelta(minutes=i)
        )
    return topic


def test_due_times():
    assert services.digest_due("weekly", MONDAY)[0] == "w:2026-W50"
    before = MONDAY.replace(hour=6)
    assert services.digest_due("weekly", before)[0] == "w:2026-W49"
    assert services.digest_due("daily", MONDAY)[0] == "d:2026-12-07"
    assert services.digest_due("daily", before)[0] == "d:2026-12-06"


def test_a_weekly_digest_goes_once_to_each_watcher(world):
    topic = _post(world)
    first = services.digests_send(now=MONDAY)
    again = services.digests_send(now=MONDAY + timedelta(minutes=15))
    assert again.sent == 0
    to = sorted(_digests().values_list("to_email", flat=True))
    # 全件 and 新しい話題のみ watchers; not 通常, not ミュート, not the outsider
    expected = sorted([world.watcher.email, world.asker.email, world.replier.email])
    assert to == expected and first.sent == 3
    mail = _digests().get(to_email=world.watcher.email)
    assert topic.title in mail.body and "返信 2件" in mail.body
    assert f"/topics/{topic.pk}/" in mail.body and "http" in mail.body
    assert mail.dedupe_key == f"notifications:digest:{world.watcher.pk}:w:2026-W50"
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.headers["List-Unsubscribe"].strip("<>") in mail.body
    assert "全件 次郎 様" in mail.body


def test_an_empty_digest_is_skipped_and_the_period_marked(world):
    run = services.digests_send(now=MONDAY)
    assert run.sent == 0 and not _digests().exists()
    assert set(Preference.objects.values_list("digest_period", flat=True)) == {"w:2026-W50"}


def test_the_next_digest_covers_only_what_is_new_since_the_last(world):
    _post(world, title="先週の話題")
    services.digests_send(now=MONDAY)
    _post(world, title="今週の新しい話題", now=MONDAY + timedelta(days=2))
    services.digests_send(now=MONDAY + timedelta(days=7))
    latest = _digests().filter(to_email=world.watcher.email).order_by("-id").first()
    assert "今週の新しい話題" in latest.body and "先週の話題" not in latest.body
    assert _digests().filter(to_email=world.watcher.email).count() == 2


def test_daily_digests_follow_the_members_choice(world):
    services.preference_update(user=world.watcher, digest="daily")
    mine = _digests().filter(to_email=world.watcher.email)
    _post(world, now=MONDAY + timedelta(hours=2))
    services.digests_send(now=MONDAY + timedelta(hours=3))  # Monday's daily period
    services.digests_send(now=MONDAY + timedelta(hours=4))
    assert mine.count() == 1
    services.digests_send(now=MONDAY + timedelta(days=1))  # Tuesday: nothing new, skipped
    assert mine.count() == 1
    _post(world, title="火曜の話題", now=MONDAY + timedelta(days=1, hours=2))
    services.digests_send(now=MONDAY + timedelta(days=2))
    assert mine.count() == 2 and "火曜の話題" in mine.order_by("-id").first().body


def test_no_digest_for_suspended_withdrawn_or_unsubscribed_members(world):
    from accounts import services as accounts

    _post(world)
    world.watcher.status = "suspended"
    world.watcher.save(update_fields=["status"])
    accounts.member_withdraw(user_id=world.replier.pk, actor=world.staff)
    token = services.unsubscribe_token(user_id=world.asker.pk, mail="digest")
    services.unsubscribe_apply(token=token)
    services.digests_send(now=MONDAY)
    assert not _digests().exists()


def test_hidden_posts_and_members_only_sections_stay_out(world):
    hidden = _post(world, title="非表示になる話題", replies=0)
    discussions.post_set_hidden(post_id=hidden.posts.get().pk, reason="spam")
    _post(world, title="見える話題", replies=0)
    world.restrict()
    services.watch_set(user=world.outsider, channel=world.channel, level="all", check=False)
    services.digests_send(now=MONDAY)
    assert not _digests().filter(to_email=world.outsider.email).exists()
    body = _digests().get(to_email=world.watcher.email).body
    assert "見える話題" in body and "非表示になる話題" not in body


def test_a_muted_section_is_not_in_the_digest(world):
    _post(world)
    services.watch_set(user=world.watcher, channel=world.channel, level="mute")
    services.digests_send(now=MONDAY)
    assert not _digests().filter(to_email=world.watcher.email).exists()


def test_a_muted_topic_is_not_in_the_digest_nor_in_its_counts(world):
    muted = _post(world, title="ミュートした話題", replies=3)
    kept = _post(world, title="残る話題", replies=1)
    services.watch_set(user=world.watcher, channel=f"topic:{muted.pk}", level="mute")
    services.digests_send(now=MONDAY)
    mine = _digests().get(to_email=world.watcher.email)
    assert "残る話題" in mine.body and "ミュートした話題" not in mine.body
    assert f"/topics/{muted.pk}/" not in mine.body and f"/topics/{kept.pk}/" in mine.body
    channel = mine.context["channels"][0]
    assert (channel["new_topics"], channel["replies"]) == (1, 1)
    # Another watcher of the section, who muted nothing, sees both.
    other = _digests().get(to_email=world.asker.email)
    assert "ミュートした話題" in other.body and "残る話題" in other.body
    assert (
        other.context["channels"][0]["new_topics"],
        other.context["channels"][0]["replies"],
    ) == (2, 4)


def test_a_digest_whose_only_topic_is_muted_is_skipped(world):
    muted = _post(world, title="ミュートした話題")
    services.watch_set(user=world.watcher, channel=f"topic:{muted.pk}", level="mute")
    run = services.digests_send(now=MONDAY)
    assert not _digests().filter(to_email=world.watcher.email).exists()
    assert run.sent == 2  # the other two watchers
