"""The inbox, the bell, levels on the section and topic pages, the settings page and the
one-click unsubscribe (no login)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications import selectors, services
from notifications.models import Notification, Preference
from outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db


def test_the_bell_shows_the_exact_unread_count(client, world):
    topic = world.ask()
    world.reply(topic)
    world.reply(topic, author=world.head)
    client.force_login(world.watcher)
    page = client.get(reverse("home")).content.decode()
    assert 'data-bell-count="3"' in page
    services.notifications_mark_all_read(user=world.watcher)
    assert "data-bell-count" not in client.get(reverse("home")).content.decode()


def test_the_inbox_groups_and_opening_lands_on_the_reply(client, world):
    topic = world.ask()
    replies = [world.reply(topic), world.reply(topic, author=world.head)]
    world.reply(topic, author=world.quiet)
    client.force_login(world.watcher)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "3件の新しい返信" in page and topic.title in page and world.section.name in page
    first = Notification.objects.filter(recipient=world.watcher).order_by("pk").first()
    response = client.get(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302
    # the group opens at its first unread: the opening post's notification
    assert response["Location"].endswith(f"/topics/{topic.pk}/#post-1")
    assert selectors.unread_count(world.watcher) == 0
    assert replies[0].number == 2


def test_opening_someone_elses_or_an_unreadable_notification_is_404(client, world):
    topic = world.ask()
    reply = world.reply(topic, body="@[通常 三子] 見て")
    theirs = Notification.objects.get(recipient=world.quiet)
    client.force_login(world.watcher)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    client.force_login(world.quiet)
    from discussions import services as discussions

    discussions.post_set_hidden(post_id=reply.pk, reason="spam")
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert "見て" not in client.get(reverse("notifications:inbox")).content.decode()


def test_mark_read_and_mark_all_read_buttons(client, world):
    one, two = world.ask(title="一つ目"), world.ask(title="二つ目")
    client.force_login(world.watcher)
    client.post(reverse("notifications:read"), {"group": f"topic:{one.pk}"})
    assert selectors.unread_count(world.watcher) == 1
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302 and selectors.unread_count(world.watcher) == 0
    page = client.get(reverse("notifications:inbox") + "?filter=unread").content.decode()
    assert "未読の通知はありません" in page
    assert two.title in client.get(reverse("notifications:inbox")).content.decode()


def test_the_inbox_paginates(client, world):
    authors = [world.asker, world.replier, world.head, world.quiet, world.muted]
    for i in range(25):  # five authors: under the posting rate limit
        world.ask(title=f"話題{i:02d}", author=authors[i % 5])
    client.force_login(world.watcher)
    first = client.get(reverse("notifications:inbox")).content.decode()
    assert "話題24" in first and "話題04" not in first and "1 / 2 ページ" in first
    second = client.get(reverse("notifications:inbox") + "?page=2").content.decode()
    assert "話題04" in second and "話題24" not in second
    assert client.get(reverse("notifications:inbox") + "?page=zzz").status_code == 200


def test_an_empty_inbox_says_so(client, world):
    client.force_login(world.outsider)
    assert "まだ通知はありません" in client.get(reverse("notifications:inbox")).content.decode()


def test_the_section_page_sets_the_level(client, world):
    client.force_login(world.replier)
    page = client.get(reverse("sections:detail", args=[world.section.slug])).content.decode()
    assert 'data-watch-level="new_topics"' in page and "ミュート" in page
    response = client.post(
        reverse("notifications:watch"),
        {"channel": world.channel, "level": "mute", "next": f"/sections/{world.section.slug}/"},
    )
    assert response.status_code == 302
    assert selectors.level_of(user=world.replier, channel=world.channel) == "mute"
    htmx = client.post(
        reverse("notifications:watch"),
        {"channel": world.channel, "level": "all"},
        HTTP_HX_REQUEST="true",
    )
    assert htmx.status_code == 200 and 'data-watch-level="all"' in htmx.content.decode()
    bad = client.post(
        reverse("notifications:watch"),
        {"channel": world.channel, "level": "follow"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422 and "通知レベルを選んでください" in bad.content.decode()


def test_the_topic_page_follows_and_mutes(client, world):
    topic = world.ask()
    client.force_login(world.quiet)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "この話題の通知" in page and "フォロー" in page
    client.post(reverse("notifications:watch"), {"channel": f"topic:{topic.pk}", "level": "follow"})
    world.reply(topic)
    assert selectors.unread_count(world.quiet) == 1


def test_an_unreadable_channel_is_404(client, world):
    world.restrict()
    client.force_login(world.outsider)
    response = client.post(
        reverse("notifications:watch"), {"channel": world.channel, "level": "all"}
    )
    assert response.status_code == 404


def test_the_settings_page_lists_every_section_and_saves(client, world):
    client.force_login(world.replier)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert world.section.name in page and "毎週" in page
    response = client.post(
        reverse("notifications:settings"),
        {f"level:{world.channel}": "all", "digest": "daily", "mail_mention": "on"},
    )
    assert response.status_code == 302
    pref = Preference.objects.get(user=world.replier)
    assert (pref.digest, pref.mail_mention, pref.mail_reply) == ("daily", True, False)
    assert selectors.level_of(user=world.replier, channel=world.channel) == "all"
    bad = client.post(reverse("notifications:settings"), {"digest": "hourly"})
    assert bad.status_code == 422 and Preference.objects.get(user=world.replier).digest == "daily"


def test_unsubscribe_needs_no_login_and_get_changes_nothing(client, world):
    url = services.unsubscribe_url(user_id=world.quiet.pk, mail="digest")
    path = url.split("testserver")[-1] if "testserver" in url else "/" + url.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and "配信を停止する" in page.content.decode()
    assert not Preference.objects.filter(user=world.quiet).exists()
    done = client.post(path)  # what a mail client's one-click POST does (no CSRF cookie)
    assert done.status_code == 200 and "停止しました" in done.content.decode()
    assert Preference.objects.get(user=world.quiet).digest == "off"


def test_one_click_post_without_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = services.unsubscribe_url(user_id=world.quiet.pk, mail="mention")
    path = "/" + url.split("/", 3)[3]
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Preference.objects.get(user=world.quiet).mail_mention is False


def test_a_tampered_token_gets_a_clear_page_and_no_change(client, world):
    url = services.unsubscribe_url(user_id=world.quiet.pk, mail="digest")
    path = "/" + url.split("/", 3)[3]
    bad = path[:-3] + "zz/"
    for method in ("get", "post"):
        response = getattr(client, method)(bad)
        assert response.status_code == 400
        assert "正しくありません" in response.content.decode()
    assert not Preference.objects.filter(user=world.quiet).exists()


def test_announcement_page(client, world):
    item = services.announcement_publish(
        actor=world.staff, title="メンテナンス", body="**21時**から"
    )
    client.force_login(world.muted)
    page = client.get(reverse("notifications:announcement", args=[item.pk])).content.decode()
    assert "<strong>21時</strong>" in page
    assert 'data-bell-count="1"' in page
    assert OutgoingMail.objects.filter(template="notifications_digest").count() == 0
