"""Every watching level and override; who hears what; mails and their switches; what
becomes unreadable leaves the inbox."""

from __future__ import annotations

import pytest
from django.core import signing

from discussions import services as discussions
from events import services as events
from notifications import registry, selectors, services
from notifications.models import Level, Notification, Preference, Watch
from outbox.models import OutgoingMail
from sections import services as sections
from sections.models import JoinRequest
from tests.factories import MeetingFactory, MemberFactory, SectionFactory

from .conftest import kinds_of

pytestmark = pytest.mark.django_db


# --- Levels -------------------------------------------------------------------------------


def test_joining_sets_new_topics_only(world):
    section = SectionFactory()
    person = MemberFactory()
    sections.section_join(section_id=section.pk, user=person)
    assert selectors.level_of(user=person, channel=f"section:{section.pk}") == Level.NEW_TOPICS


def test_a_new_topic_reaches_all_and_new_topics_watchers_only(world):
    topic = world.ask()
    assert kinds_of(world.watcher) == ["discussions.topic"]  # 全件
    assert kinds_of(world.replier) == ["discussions.topic"]  # 新しい話題のみ (joined)
    assert kinds_of(world.quiet) == []  # 通常
    assert kinds_of(world.muted) == []  # ミュート
    assert kinds_of(world.outsider) == []
    assert kinds_of(world.asker) == []  # the author
    assert Notification.objects.filter(object_id=topic.posts.get().pk).count() == 2


def test_a_reply_reaches_all_watchers_and_followers_not_new_topics_watchers(world):
    topic = world.ask()
    Notification.objects.all().delete()
    world.reply(topic)
    assert kinds_of(world.watcher) == ["discussions.reply"]  # 全件
    assert kinds_of(world.asker) == ["discussions.reply"]  # posted: follows
    assert kinds_of(world.head) == []  # 通常, not involved
    assert kinds_of(world.quiet) == []
    assert kinds_of(world.muted) == []


def test_posting_follows_the_topic(world):
    topic = world.ask()
    world.reply(topic)  # the replier (新しい話題のみ) now follows
    assert selectors.level_of(user=world.replier, channel=f"topic:{topic.pk}") == Level.FOLLOW
    world.reply(topic, author=world.head)
    assert kinds_of(world.replier).count("discussions.reply") == 1


def test_normal_hears_replies_to_its_own_topic_mentions_and_answers(world):
    topic = world.ask(author=world.quiet)
    reply = world.reply(topic, body="@[通常 三子] さん、こうです")
    assert kinds_of(world.quiet) == ["discussions.mention"]  # the mention wins over the reply
    world.reply(topic, author=world.head)
    assert sorted(kinds_of(world.quiet)) == ["discussions.mention", "discussions.reply"]
    discussions.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=world.quiet)
    assert "discussions.answer" in kinds_of(world.replier)
    assert "discussions.answer" not in kinds_of(world.quiet)  # they marked it themselves


def test_a_mention_reaches_a_normal_member_but_not_a_muted_one(world):
    world.ask(body="@[通常 三子] @[静か 四郎] ご意見を")
    assert kinds_of(world.quiet) == ["discussions.mention"]
    assert kinds_of(world.muted) == []


def test_a_muted_section_is_silent_unless_the_topic_is_followed(world):
    topic = world.ask()
    world.reply(topic)
    assert kinds_of(world.muted) == []
    services.watch_set(user=world.muted, channel=f"topic:{topic.pk}", level=Level.FOLLOW)
    world.reply(topic, author=world.head)
    assert kinds_of(world.muted) == ["discussions.reply"]


def test_a_muted_topic_is_silent_in_an_all_section_even_for_mentions(world):
    topic = world.ask()
    services.watch_set(user=world.watcher, channel=f"topic:{topic.pk}", level=Level.MUTE)
    Notification.objects.all().delete()
    world.reply(topic, body="@[全件 次郎] さんも")
    assert kinds_of(world.watcher) == []


def test_posting_does_not_unmute_a_muted_topic(world):
    topic = world.ask()
    services.watch_set(user=world.replier, channel=f"topic:{topic.pk}", level=Level.MUTE)
    world.reply(topic)
    assert selectors.level_of(user=world.replier, channel=f"topic:{topic.pk}") == Level.MUTE


def test_topic_normal_removes_the_override(world):
    topic = world.ask()
    channel = f"topic:{topic.pk}"
    services.watch_set(user=world.quiet, channel=channel, level=Level.FOLLOW)
    services.watch_set(user=world.quiet, channel=channel, level=Level.NORMAL)
    assert not Watch.objects.filter(user=world.quiet, channel=channel).exists()


def test_levels_are_checked(world):
    with pytest.raises(services.NotificationError):
        services.watch_set(user=world.quiet, channel=world.channel, level="follow")
    with pytest.raises(services.NotificationError):
        services.watch_set(user=world.quiet, channel="bogus:1", level="all")
    with pytest.raises(services.NotificationError):
        services.watch_set(user=world.quiet, channel="section:abc", level="all")
    world.restrict()
    with pytest.raises(services.NotificationError) as caught:
        services.watch_set(user=world.outsider, channel=world.channel, level="all")
    assert caught.value.code == "not_found"


def test_announcements_reach_every_member_whatever_their_levels(world):
    suspended = MemberFactory(status="suspended")
    applicant = MemberFactory(status="submitted")
    services.announcement_publish(actor=world.staff, title="メンテナンス", body="本日21時から")
    for person in (world.muted, world.quiet, world.outsider, world.head):
        assert kinds_of(person) == ["announcement"]
    assert kinds_of(suspended) == [] and kinds_of(applicant) == []
    with pytest.raises(services.NotificationError):
        services.announcement_publish(actor=world.head, title="x", body="y")


# --- Other causes -------------------------------------------------------------------------


def test_a_join_decision_is_notified(world):
    section = SectionFactory(join_policy="approval")
    from sections.models import SectionMembership

    SectionMembership.objects.create(section=section, user=world.head, role="head")
    request = sections.join_request_create(section_id=section.pk, user=world.outsider)
    sections.join_request_decide(request_id=request.pk, actor=world.head, accept=True)
    row = Notification.objects.get(recipient=world.outsider, kind="sections.join_decided")
    assert "承認" in row.text and section.slug in row.url
    assert selectors.level_of(user=world.outsider, channel=f"section:{section.pk}") == "new_topics"
    assert JoinRequest.objects.get().status == "accepted"


def test_a_waitlist_promotion_is_notified(world):
    event = MeetingFactory(section=world.section, event__capacity=1).event
    events.registration_rsvp(event_id=event.pk, user=world.head, going=True)
    events.registration_rsvp(event_id=event.pk, user=world.asker, going=True)
    assert kinds_of(world.asker) == []
    events.registration_cancel(event_id=event.pk, user=world.head)
    row = Notification.objects.get(recipient=world.asker, kind="events.promoted")
    assert event.title in row.text
    promoted = OutgoingMail.objects.get(template="events_promoted")
    assert f"/events/{event.pk}/event.ics" in promoted.body and promoted.attachments


def test_moderation_decisions_reach_the_named_people(world):
    services.moderation_decision_notify(
        decision_id=7, user_ids=[world.asker.pk, world.replier.pk], text="投稿を非表示にしました。"
    )
    assert kinds_of(world.asker) == ["moderation_decision"] == kinds_of(world.replier)
    assert registry.kind("moderation_decision").resolve is None


def test_a_notification_needs_a_registered_kind(world):
    with pytest.raises(KeyError):
        services.notify(kind="nope", recipients=[world.asker.pk], text="x")


# --- Unreadable content -------------------------------------------------------------------


def test_a_hidden_reply_leaves_every_inbox_but_its_authors(world):
    topic = world.ask()
    reply = world.reply(topic, body="@[通常 三子] どう？")
    assert selectors.unread_count(world.quiet) == 1
    discussions.post_set_hidden(post_id=reply.pk, reason="spam")
    assert selectors.unread_count(world.quiet) == 0
    assert kinds_of(world.watcher) == ["discussions.topic"]
    discussions.post_set_visible(post_id=reply.pk)
    assert selectors.unread_count(world.quiet) == 1


def test_a_deleted_post_or_topic_leaves_the_inbox(world):
    topic = world.ask()
    reply = world.reply(topic)
    discussions.post_delete(post_id=reply.pk, actor=world.replier)
    assert kinds_of(world.watcher) == ["discussions.topic"]
    discussions.topic_delete(topic_id=topic.pk, actor=world.head)
    assert kinds_of(world.watcher) == []


def test_leaving_a_members_only_section_withdraws_its_notifications(world):
    world.restrict()
    world.ask()
    assert selectors.unread_count(world.replier) == 1
    sections.section_leave(section_id=world.section.pk, user=world.replier)
    assert selectors.unread_count(world.replier) == 0
    assert not Watch.objects.filter(user=world.replier, channel=world.channel).exists()


def test_leaving_an_open_section_keeps_what_is_still_readable(world):
    world.ask()
    sections.section_leave(section_id=world.section.pk, user=world.replier)
    assert selectors.unread_count(world.replier) == 1


def test_restricting_reading_withdraws_for_outsiders_and_opening_restores(world):
    services.watch_set(user=world.outsider, channel=world.channel, level="all")
    world.ask()
    assert selectors.unread_count(world.outsider) == 1
    discussions.section_reading_set(
        section_id=world.section.pk, actor=world.head, reading="section"
    )
    assert selectors.unread_count(world.outsider) == 0
    assert selectors.unread_count(world.replier) == 1
    world.ask(title="二つ目")  # the outsider's 全件 row stays, but they may not read it
    assert selectors.unread_count(world.outsider) == 0
    discussions.section_reading_set(
        section_id=world.section.pk, actor=world.head, reading="members"
    )
    assert selectors.unread_count(world.outsider) == 1


def test_a_suspended_member_gets_nothing(world):
    world.watcher.status = "suspended"
    world.watcher.save(update_fields=["status"])
    world.ask(body="@[全件 次郎] さん")
    assert kinds_of(world.watcher) == []
    assert not OutgoingMail.objects.filter(to_email=world.watcher.email).exists()


# --- Reading ------------------------------------------------------------------------------


def test_mark_read_and_mark_all_read(world):
    first = world.ask(title="一つ目")
    world.ask(title="二つ目")
    assert selectors.unread_count(world.watcher) == 2
    services.notifications_mark_read(user=world.watcher, group=f"topic:{first.pk}")
    assert selectors.unread_count(world.watcher) == 1
    services.notifications_mark_read(user=world.replier, group=f"topic:{first.pk}")  # theirs only
    assert selectors.unread_count(world.watcher) == 1
    services.notifications_mark_all_read(user=world.watcher)
    assert selectors.unread_count(world.watcher) == 0


def test_the_inbox_groups_a_topic_newest_first(world):
    old = world.ask(title="古い話題")
    for author in (world.replier, world.head, world.quiet):
        world.reply(old, author=author)
    world.ask(title="新しい話題です")
    _, groups = selectors.inbox_page(user=world.watcher)
    assert [g.title for g in groups] == ["新しい話題です", "古い話題"]
    lines = [line.text for line in groups[1].lines]
    assert "3件の新しい返信" in lines and "新しい話題" in lines
    assert groups[1].unread == 4


# --- Mail ---------------------------------------------------------------------------------


def test_a_mention_mails_with_one_click_unsubscribe_headers(world):
    topic = world.ask()
    world.reply(topic, body="@[通常 三子] こちらです")
    mail = OutgoingMail.objects.get(template="notifications_mention")
    assert mail.to_email == world.quiet.email
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://testserver") or url.startswith("http")
    assert url in mail.body and "通常 三子 様" in mail.body
    assert "http" in mail.body and f"/topics/{topic.pk}/" in mail.body


def test_reply_to_my_question_mails_the_asker_once(world):
    topic = world.ask()
    world.reply(topic)
    world.reply(topic)
    mails = OutgoingMail.objects.filter(template="notifications_reply")
    assert list(mails.values_list("to_email", flat=True)) == [world.asker.email] * 2
    share = world.ask(kind="share", title="共有")
    world.reply(share)
    assert mails.count() == 2  # a 共有 topic sends no reply mail


def test_an_accepted_answer_mails_its_author(world):
    topic = world.ask()
    reply = world.reply(topic)
    discussions.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=world.head)
    to = sorted(
        OutgoingMail.objects.filter(template="notifications_answer").values_list(
            "to_email", flat=True
        )
    )
    assert to == sorted([world.replier.email, world.asker.email])


@pytest.mark.parametrize(
    "mail,template", [("mention", "notifications_mention"), ("reply", "notifications_reply")]
)
def test_each_immediate_mail_can_be_switched_off(world, mail, template):
    person = world.quiet if mail == "mention" else world.asker
    services.preference_update(user=person, digest="weekly", **{mail: False})
    topic = world.ask()
    world.reply(topic, body="@[通常 三子] どう？")
    assert not OutgoingMail.objects.filter(template=template, to_email=person.email).exists()
    assert selectors.unread_count(person) >= 1  # the inbox still has it


def test_answer_mail_can_be_switched_off(world):
    services.preference_update(user=world.replier, digest="weekly", answer=False)
    topic = world.ask()
    reply = world.reply(topic)
    discussions.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=world.asker)
    assert not OutgoingMail.objects.filter(template="notifications_answer").exists()


def test_unsubscribe_token_turns_one_kind_off(world):
    token = services.unsubscribe_token(user_id=world.quiet.pk, mail="mention")
    services.unsubscribe_apply(token=token)
    services.unsubscribe_apply(token=token)  # idempotent
    pref = Preference.objects.get(user=world.quiet)
    assert pref.mail_mention is False and pref.mail_reply is True and pref.digest == "weekly"


def test_a_tampered_or_stale_token_changes_nothing(world, settings):
    token = services.unsubscribe_token(user_id=world.quiet.pk, mail="digest")
    for bad in (
        token[:-2] + "xx",
        "abc",
        signing.dumps([world.quiet.pk, "everything"], salt="notifications.unsubscribe"),
    ):
        with pytest.raises(services.NotificationError) as caught:
            services.unsubscribe_apply(token=bad)
        assert caught.value.code == "tampered"
    old = services.UNSUBSCRIBE_MAX_AGE
    try:
        services.UNSUBSCRIBE_MAX_AGE = __import__("datetime").timedelta(seconds=-1)
        with pytest.raises(services.NotificationError) as caught:
            services.unsubscribe_apply(token=token)
        assert caught.value.code == "stale"
    finally:
        services.UNSUBSCRIBE_MAX_AGE = old
    assert not Preference.objects.filter(user=world.quiet).exists()
