"""Every rule of the discussion services: what they write, and what they refuse (with
nothing saved)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from discussions import selectors, services
from discussions.models import (
    AnswerMark,
    Attachment,
    Entry,
    Mention,
    Post,
    PostRevision,
    SectionSetting,
    Tag,
    Topic,
)
from discussions.services import DiscussionError
from outbox.models import OutgoingMail
from sections.models import Section
from tests.discussions.conftest import PDF, PNG, pdf
from tests.factories import MeetingFactory, MemberFactory, SectionFactory

pytestmark = pytest.mark.django_db


def counts():
    return (
        Topic.objects.count(),
        Post.objects.count(),
        Attachment.objects.count(),
        Mention.objects.count(),
        Entry.objects.count(),
    )


# --- Topics -----------------------------------------------------------------------------------


def test_a_member_asks_a_question(world):
    topic = world.ask(
        title="  電話予約の回線数  ", body="何回線ありますか？", tags="ワクチン, 予約"
    )
    assert topic.title == "電話予約の回線数"
    assert topic.kind == Topic.Kind.QUESTION
    post = topic.posts.get()
    assert post.number == 1 and post.author == world.member
    assert "<p>何回線ありますか？</p>" in post.body_html
    assert sorted(topic.tags.values_list("name", flat=True)) == ["ワクチン", "予約"]
    assert topic.reply_count == 0 and topic.last_number == 1


def test_tags_are_normalised_trimmed_and_deduplicated(world):
    topic = world.ask(tags="ＤＸ、 dx ,#防災  ｺﾛﾅ,コロナ,,  ")
    assert list(topic.tags.order_by("name").values_list("name", flat=True)) == [
        "DX",
        "コロナ",
        "防災",
    ]
    # An existing tag is reused whatever the case of its Latin letters.
    other = world.ask(tags="Dx")
    assert list(other.tags.values_list("name", flat=True)) == ["DX"]
    assert Tag.objects.filter(name__iexact="dx").count() == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": "x" * 121}, "120文字"),
        ({"title": "   "}, "題名を入力"),
        ({"body": "x" * 20_001}, "20,000文字"),
        ({"body": ""}, "本文を入力"),
        ({"tags": ",".join(f"t{i}" for i in range(11))}, "10個まで"),
        ({"tags": "t" * 31}, "30文字まで"),
        ({"kind": "poll"}, "種類"),
    ],
)
def test_bad_topics_are_refused_and_nothing_is_saved(world, fields, message):
    before = counts()
    with pytest.raises(DiscussionError, match=message):
        world.ask(**fields)
    assert counts() == before


def test_limits_are_inclusive(world):
    topic = world.ask(title="x" * 120, body="y" * 20_000, tags=",".join(f"t{i}" for i in range(10)))
    assert topic.tags.count() == 10


def test_only_section_members_post_in_a_section(world):
    before = counts()
    with pytest.raises(DiscussionError, match="課のメンバーだけ") as exc:
        world.ask(author=world.outsider)
    assert exc.value.code == "forbidden"
    assert counts() == before
    world.ask(author=world.staff)  # staff post anywhere


def test_every_member_posts_to_the_general_desk():
    desk = Section.objects.get(slug="madoguchi")
    assert desk.name == "総合窓口" and selectors.is_open_posting(desk)
    assert selectors.reading_of(desk) == SectionSetting.Reading.MEMBERS
    anyone = MemberFactory()
    result = services.topic_create(
        section_id=desk.pk, author=anyone, kind="question", title="どこで聞けば", body="教えて"
    )
    assert result.topic.section == desk


def test_a_closed_section_takes_no_posts(world):
    Section.objects.filter(pk=world.section.pk).update(status=Section.Status.CLOSED)
    with pytest.raises(DiscussionError, match="廃止"):
        world.ask(author=world.head)


@pytest.mark.parametrize("status", ["submitted", "needs_info", "rejected", "suspended"])
def test_accounts_that_are_not_members_cannot_post(world, status):
    world.member.status = status
    world.member.save()
    with pytest.raises(DiscussionError, match="会員だけ"):
        world.ask()
    assert not Topic.objects.exists()


def test_the_author_edits_and_the_old_version_is_kept(world):
    topic = world.ask(title="旧題", body="旧本文")
    result = services.topic_update(
        topic_id=topic.pk, actor=world.member, title="新題", body="新本文", tags="新タグ"
    )
    topic.refresh_from_db()
    post = result.post
    assert topic.title == "新題" and post.body == "新本文" and post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert (revision.title, revision.body, revision.edited_by) == ("旧題", "旧本文", world.member)
    assert list(topic.tags.values_list("name", flat=True)) == ["新タグ"]


def test_nobody_else_edits_a_post(world):
    topic = world.ask()
    reply = world.reply(topic)
    for actor in (world.head, world.staff, world.member2):
        with pytest.raises(DiscussionError, match="本人だけ"):
            services.topic_update(topic_id=topic.pk, actor=actor, title="乗っ取り", body="x")
    with pytest.raises(DiscussionError, match="本人だけ"):
        services.post_update(post_id=reply.pk, actor=world.member, body="乗っ取り")
    assert not PostRevision.objects.exists()


def test_an_unchanged_edit_records_nothing(world):
    topic = world.ask()
    reply = world.reply(topic, body="同じ")
    services.post_update(post_id=reply.pk, actor=world.member2, body="同じ")
    reply.refresh_from_db()
    assert reply.edited_at is None and not PostRevision.objects.exists()


def test_the_author_deletes_a_topic_nobody_answered(world):
    topic = world.ask()
    world.reply(topic, author=world.member)  # their own follow-up does not count
    services.topic_delete(topic_id=topic.pk, actor=world.member)
    topic.refresh_from_db()
    assert topic.deleted_at is not None
    assert not selectors.readable_topics(world.member).exists()


def test_the_author_deletes_the_opening_post_of_an_answered_topic_and_the_thread_reads(world):
    topic = world.ask(body="消したい質問文")
    reply = world.reply(topic, body="残る回答")
    opening = topic.posts.get(number=1)
    services.post_delete(post_id=opening.pk, actor=world.member)
    page = selectors.thread_page(topic=Topic.objects.get(pk=topic.pk), user=world.outsider)
    assert [p.number for p in page.posts] == [1, 2]
    assert page.posts[0].is_deleted and page.posts[1] == reply
    assert selectors.readable_topics(world.outsider).filter(pk=topic.pk).exists()


def test_the_author_cannot_delete_a_topic_others_answered_but_a_head_can(world):
    topic = world.ask()
    world.reply(topic)
    with pytest.raises(DiscussionError, match="ほかの会員が返信"):
        services.topic_delete(topic_id=topic.pk, actor=world.member)
    with pytest.raises(DiscussionError):
        services.topic_delete(topic_id=topic.pk, actor=world.member2)
    services.topic_delete(topic_id=topic.pk, actor=world.deputy)
    assert Topic.objects.get(pk=topic.pk).deleted_by == world.deputy


def test_heads_lock_a_topic_and_replies_are_refused(world):
    topic = world.ask()
    with pytest.raises(DiscussionError, match="課長・課長補佐"):
        services.topic_set_locked(topic_id=topic.pk, actor=world.member, locked=True)
    services.topic_set_locked(topic_id=topic.pk, actor=world.head, locked=True)
    before = counts()
    with pytest.raises(DiscussionError, match="締め切って") as exc:
        world.reply(topic)
    assert exc.value.code == "locked"
    assert counts() == before
    services.topic_set_locked(topic_id=topic.pk, actor=world.head, locked=False)
    world.reply(topic)


# --- Replies ---------------------------------------------------------------------------------


def test_replies_are_numbered_in_order_and_bump_the_topic(world):
    asked = timezone.now() - timedelta(days=2)
    topic = world.ask(now=asked)
    first = world.reply(topic)
    second = world.reply(topic, author=world.head, quote_id=first.pk)
    topic.refresh_from_db()
    assert [first.number, second.number] == [2, 3]
    assert second.quote == first
    assert topic.reply_count == 2 and topic.last_number == 3
    assert topic.last_activity_at > asked


def test_a_reply_cannot_quote_a_post_of_another_topic_or_a_deleted_one(world):
    topic, other = world.ask(), world.ask(title="別の話題")
    foreign = world.reply(other)
    with pytest.raises(DiscussionError, match="引用する投稿"):
        world.reply(topic, quote_id=foreign.pk)
    mine = world.reply(topic)
    services.post_delete(post_id=mine.pk, actor=world.member2)
    with pytest.raises(DiscussionError, match="引用する投稿"):
        world.reply(topic, quote_id=mine.pk)


def test_a_reply_to_a_deleted_topic_is_refused(world):
    topic = world.ask()
    services.topic_delete(topic_id=topic.pk, actor=world.head)
    with pytest.raises(DiscussionError, match="見つかりません"):
        world.reply(topic)


def test_outsiders_reply_nowhere_but_may_read_an_open_section(world):
    topic = world.ask()
    assert selectors.may_read_topic(user=world.outsider, topic=topic)
    with pytest.raises(DiscussionError, match="課のメンバーだけ"):
        world.reply(topic, author=world.outsider)


def test_a_deleted_reply_leaves_its_place(world):
    topic = world.ask()
    reply = world.reply(topic)
    services.post_delete(post_id=reply.pk, actor=world.member2)
    reply.refresh_from_db()
    topic.refresh_from_db()
    assert reply.deleted_at is not None and reply.body  # kept for staff
    assert topic.reply_count == 0
    page = selectors.thread_page(topic=topic, user=world.outsider)
    assert [p.number for p in page.posts] == [1, 2]  # the placeholder stays in the thread
    assert not selectors.may_read_post(user=world.member2, post=reply)
    with pytest.raises(DiscussionError):
        services.post_delete(post_id=reply.pk, actor=world.member2)  # once


def test_other_members_cannot_delete_a_reply_but_heads_can(world):
    topic = world.ask()
    reply = world.reply(topic)
    with pytest.raises(DiscussionError, match="削除できません"):
        services.post_delete(post_id=reply.pk, actor=world.member)
    services.post_delete(post_id=reply.pk, actor=world.head)


def test_the_posting_rate_is_limited(world, settings):
    settings.DISCUSSIONS_RATE_LIMIT = 3
    now = timezone.now()
    topic = world.ask(author=world.member2, now=now - timedelta(seconds=30))
    world.reply(topic, now=now - timedelta(seconds=20))
    world.reply(topic, now=now - timedelta(seconds=10))
    before = counts()
    with pytest.raises(DiscussionError, match="3件まで") as exc:
        world.reply(topic, now=now)
    assert exc.value.code == "rate_limited"
    assert counts() == before
    # Ten minutes later it goes through.
    world.reply(topic, now=now + timedelta(minutes=10))


def test_twenty_posts_in_ten_minutes_then_the_limit(world):
    now = timezone.now()
    topic = world.ask(author=world.member2, now=now - timedelta(minutes=9))
    for i in range(19):
        world.reply(topic, now=now - timedelta(minutes=8) + timedelta(seconds=i))
    with pytest.raises(DiscussionError, match="10分間に20件まで"):
        world.reply(topic, now=now)


# --- Attachments --------------------------------------------------------------------------------


def test_an_attachment_is_stored_under_a_new_name(world):
    topic = world.ask(files=[pdf("予約窓口の運用.pdf")])
    attachment = Attachment.objects.get()
    assert attachment.original_name == "予約窓口の運用.pdf"
    assert "予約窓口" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert attachment.kind == "pdf" and attachment.content_type == "application/pdf"
    assert attachment.post.topic == topic
    with attachment.file.open("rb") as fh:
        assert fh.read() == PDF


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("map.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
         "アップロードできない種類"),
        ("page.html", b"<html><script>alert(1)</script></html>", "アップロードできない種類"),
        ("fake.pdf", b"<html><script>alert(1)</script></html>", "中身がPDF"),
        ("fake.png", PDF, "中身が画像"),
        ("svg.txt", b"<svg onload=alert(1)></svg>", "中身がテキスト"),
        ("prog.exe", b"MZ\x90\x00", "アップロードできない種類"),
        ("noext", PDF, "アップロードできない種類"),
        ("empty.pdf", b"", "空のファイル"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_and_nothing_is_saved(world, name, content, message):
    before = counts()
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(DiscussionError, match=message):
        world.ask(files=[upload])
    assert counts() == before


def test_files_over_ten_megabytes_are_refused(world):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(DiscussionError, match="10 MB まで"):
        world.ask(files=[big])
    assert not Topic.objects.exists()


def test_images_office_text_and_zip_are_accepted(world):
    import io
    import zipfile

    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    files = [
        SimpleUploadedFile("写真.png", PNG),
        SimpleUploadedFile("手順.docx", docx.getvalue()),
        SimpleUploadedFile("メモ.txt", "予約は9時から".encode()),
        SimpleUploadedFile("一覧.csv", "市,回線\n千代田区,3\n".encode("cp932")),
    ]
    world.ask(files=files)
    assert sorted(Attachment.objects.values_list("kind", flat=True)) == [
        "image",
        "office",
        "text",
        "text",
    ]


def test_at_most_five_files_a_post(world):
    with pytest.raises(DiscussionError, match="5個まで"):
        world.ask(files=[pdf(f"{i}.pdf") for i in range(6)])


# --- Mentions ---------------------------------------------------------------------------------


def test_a_mention_of_a_reader_is_recorded_marked_and_mailed(
    world, django_capture_on_commit_callbacks
):
    topic = world.ask()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.reply_create(
            topic_id=topic.pk, author=world.member2, body="@[外部三郎] さんの町ではどうですか？"
        )
    assert result.warnings == []
    mention = Mention.objects.get()
    assert (mention.user, mention.written) == (world.outsider, "外部三郎")
    assert '<span class="mention">@外部三郎</span>' in result.post.body_html
    sent = OutgoingMail.objects.get(template="notifications_mention")
    assert sent.to_email == world.outsider.email
    assert "回答 太郎" in sent.body and topic.title in sent.body
    assert "http://" in sent.body and f"#post-{result.post.number}" in sent.body


def test_a_mention_of_someone_who_may_not_read_does_nothing_and_says_so(world):
    world.restrict()
    topic = world.ask()
    result = services.reply_create(
        topic_id=topic.pk, author=world.member2, body="@[外部 三郎] さんにも聞きたい"
    )
    assert not Mention.objects.exists()
    assert not OutgoingMail.objects.filter(template="notifications_mention").exists()
    assert any("読めないため" in w for w in result.warnings)
    assert 'class="mention"' not in result.post.body_html


def test_unknown_ambiguous_and_self_mentions(world):
    MemberFactory(full_name="同名 さん")
    MemberFactory(full_name="同名さん")
    topic = world.ask()
    result = services.reply_create(
        topic_id=topic.pk,
        author=world.member2,
        body="@[存在しない人] @[同名さん] @[回答 太郎]",
    )
    assert not Mention.objects.exists()
    assert any("見つからない" in w for w in result.warnings)
    assert any("複数いる" in w for w in result.warnings)
    assert len(result.warnings) == 2  # mentioning oneself is silently ignored


def test_a_participant_wins_over_a_namesake(world):
    namesake = MemberFactory(full_name="回答 太郎")
    topic = world.ask()
    world.reply(topic)  # the section's 回答 太郎 takes part
    result = services.reply_create(topic_id=topic.pk, author=world.head, body="@[回答太郎] 追記")
    assert result.warnings == []
    assert Mention.objects.get().user == world.member2 != namesake


def test_an_edit_mails_only_the_newly_mentioned(world):
    topic = world.ask()
    reply = services.reply_create(
        topic_id=topic.pk, author=world.member2, body="@[課長 一郎] どうでしょう"
    ).post
    services.post_update(
        post_id=reply.pk, actor=world.member2, body="@[課長 一郎] @[補佐 二郎] 追記"
    )
    recipients = sorted(
        OutgoingMail.objects.filter(template="notifications_mention").values_list(
            "to_email", flat=True
        )
    )
    assert recipients == sorted([world.head.email, world.deputy.email])


# --- Answers ------------------------------------------------------------------------------------


def test_the_asker_marks_an_answer_and_changes_it(world):
    topic = world.ask()
    first, second = world.reply(topic), world.reply(topic, author=world.head)
    services.answer_mark(topic_id=topic.pk, post_id=first.pk, actor=world.member)
    services.answer_mark(topic_id=topic.pk, post_id=second.pk, actor=world.member)
    topic.refresh_from_db()
    assert topic.answer == second and topic.is_solved
    services.answer_unmark(topic_id=topic.pk, actor=world.member)
    topic.refresh_from_db()
    assert topic.answer is None
    history = list(AnswerMark.objects.values_list("action", "post_id", "actor_id"))
    assert history == [
        ("mark", first.pk, world.member.pk),
        ("mark", second.pk, world.member.pk),
        ("unmark", None, world.member.pk),
    ]


@pytest.mark.parametrize("who", ["head", "deputy", "staff"])
def test_heads_deputies_and_staff_mark_answers(world, who):
    topic = world.ask()
    reply = world.reply(topic)
    services.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=getattr(world, who))
    assert Topic.objects.get(pk=topic.pk).answer == reply


@pytest.mark.parametrize("who", ["member2", "outsider"])
def test_others_may_not_mark_an_answer(world, who):
    topic = world.ask()
    reply = world.reply(topic)
    with pytest.raises(DiscussionError, match="質問した人") as exc:
        services.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=getattr(world, who))
    assert exc.value.code == "forbidden"
    assert Topic.objects.get(pk=topic.pk).answer is None and not AnswerMark.objects.exists()


def test_answers_only_on_questions_and_only_on_live_replies(world):
    share = world.ask(kind="share")
    reply = world.reply(share)
    with pytest.raises(DiscussionError, match="質問・相談"):
        services.answer_mark(topic_id=share.pk, post_id=reply.pk, actor=world.member)
    topic = world.ask()
    opening = topic.posts.get(number=1)
    with pytest.raises(DiscussionError, match="見つかりません"):
        services.answer_mark(topic_id=topic.pk, post_id=opening.pk, actor=world.member)
    with pytest.raises(DiscussionError, match="見つかりません"):
        services.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=world.member)  # tampered
    gone = world.reply(topic)
    services.post_delete(post_id=gone.pk, actor=world.member2)
    with pytest.raises(DiscussionError, match="削除・非表示"):
        services.answer_mark(topic_id=topic.pk, post_id=gone.pk, actor=world.member)


def test_deleting_the_accepted_answer_undoes_the_mark(world):
    topic = world.ask()
    reply = world.reply(topic)
    services.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=world.member)
    services.post_delete(post_id=reply.pk, actor=world.member2)
    topic.refresh_from_db()
    assert topic.answer is None
    assert AnswerMark.objects.last().action == "unmark"
    assert AnswerMark.objects.last().actor == world.member2


def test_a_solved_question_keeps_its_kind(world):
    topic = world.ask()
    reply = world.reply(topic)
    services.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=world.member)
    with pytest.raises(DiscussionError, match="種類を変えられません"):
        services.topic_update(
            topic_id=topic.pk, actor=world.member, title=topic.title, body="x", kind="share"
        )


# --- Hidden posts (moderation's hook) ------------------------------------------------------------


def test_a_hidden_reply_leaves_the_lists_but_its_author_sees_it(world):
    topic = world.ask()
    reply = world.reply(topic)
    services.post_set_hidden(post_id=reply.pk, reason="personal")
    reply.refresh_from_db()
    topic.refresh_from_db()
    assert reply.hidden_reason == "personal" and topic.reply_count == 0
    assert not selectors.readable_posts(world.head).filter(pk=reply.pk).exists()
    assert selectors.readable_posts(world.member2).filter(pk=reply.pk).exists()
    assert [p.number for p in selectors.thread_page(topic=topic, user=world.head).posts] == [1]
    mine = selectors.thread_page(topic=topic, user=world.member2).posts
    assert [p.number for p in mine] == [1, 2] and mine[1].is_hidden
    services.post_set_hidden(post_id=reply.pk, reason="personal")  # idempotent
    assert Topic.objects.get(pk=topic.pk).reply_count == 0
    services.post_set_visible(post_id=reply.pk)
    assert Topic.objects.get(pk=topic.pk).reply_count == 1
    assert selectors.readable_posts(world.head).filter(pk=reply.pk).exists()


def test_hiding_the_opening_post_hides_the_topic(world):
    topic = world.ask()
    services.post_set_hidden(post_id=topic.posts.get(number=1).pk, reason="spam")
    assert not selectors.readable_topics(world.head).exists()
    assert not selectors.readable_topics(world.staff).exists()
    assert selectors.readable_topics(world.member).get().hidden_reason == "spam"
    with pytest.raises(DiscussionError):
        world.reply(Topic.objects.get(pk=topic.pk))
    services.post_set_visible(post_id=topic.posts.get(number=1).pk)
    assert selectors.readable_topics(world.head).exists()


def test_hidden_needs_a_known_reason(world):
    topic = world.ask()
    with pytest.raises(DiscussionError):
        services.post_set_hidden(post_id=topic.posts.get().pk, reason="because")


# --- Reading setting -----------------------------------------------------------------------------


def test_the_head_and_staff_set_the_reading(world):
    for actor in (world.deputy, world.member, world.outsider):
        with pytest.raises(DiscussionError, match="課長と事務局"):
            services.section_reading_set(
                section_id=world.section.pk, actor=actor, reading="section"
            )
    services.section_reading_set(section_id=world.section.pk, actor=world.head, reading="section")
    setting = SectionSetting.objects.get(section=world.section)
    assert setting.reading == "section" and setting.updated_by == world.head
    services.section_reading_set(section_id=world.section.pk, actor=world.staff, reading="members")
    assert SectionSetting.objects.get(section=world.section).reading == "members"
    with pytest.raises(DiscussionError, match="公開範囲"):
        services.section_reading_set(section_id=world.section.pk, actor=world.head, reading="all")


def test_seeded_sections_start_open_to_members():
    assert Section.objects.count() > 50
    assert not SectionSetting.objects.filter(reading="section").exists()


# --- Meeting notes ------------------------------------------------------------------------------


def _past_meeting(world, **kwargs):
    starts = timezone.now() - timedelta(days=1)
    return MeetingFactory(
        section=world.section,
        event__title="第12回 ワクチン接種 情報交換会",
        event__starts_at=starts,
        event__ends_at=starts + timedelta(hours=1),
        **kwargs,
    )


def test_the_head_writes_notes_that_become_a_shared_topic(world):
    meeting = _past_meeting(world)
    result = services.meeting_notes_save(
        meeting_id=meeting.pk, actor=world.head, body="- 予約枠は毎週月曜に公開"
    )
    topic = result.topic
    assert topic.meeting == meeting and topic.kind == Topic.Kind.SHARE
    assert topic.title.startswith("議事メモ：第12回 ワクチン接種 情報交換会")
    assert list(topic.tags.values_list("name", flat=True)) == ["議事メモ"]
    again = services.meeting_notes_save(meeting_id=meeting.pk, actor=world.head, body="改訂版")
    assert again.topic.pk == topic.pk and again.post.body == "改訂版"
    assert PostRevision.objects.get().body == "- 予約枠は毎週月曜に公開"


def test_notes_wait_for_the_meeting_and_come_from_the_head_or_the_scribe(world):
    future = MeetingFactory(section=world.section)
    with pytest.raises(DiscussionError, match="始まってから"):
        services.meeting_notes_save(meeting_id=future.pk, actor=world.head, body="早すぎ")
    meeting = _past_meeting(world)
    for actor in (world.member, world.deputy, world.outsider):
        with pytest.raises(DiscussionError, match="課長と書記"):
            services.meeting_notes_save(meeting_id=meeting.pk, actor=actor, body="x")
    with pytest.raises(DiscussionError, match="課長と事務局"):
        services.meeting_scribe_set(
            meeting_id=meeting.pk, actor=world.member, user_id=world.member.pk
        )
    with pytest.raises(DiscussionError, match="メンバーから"):
        services.meeting_scribe_set(
            meeting_id=meeting.pk, actor=world.head, user_id=world.outsider.pk
        )
    services.meeting_scribe_set(meeting_id=meeting.pk, actor=world.head, user_id=world.member.pk)
    result = services.meeting_notes_save(meeting_id=meeting.pk, actor=world.member, body="書記メモ")
    assert result.topic.author == world.member
    assert not Topic.objects.filter(meeting=future).exists()


# --- 参考Q&A ------------------------------------------------------------------------------------


def test_the_head_makes_an_entry_from_a_solved_topic(world):
    topic = world.ask(body="回線は何本？ @[回答 太郎]")
    reply = world.reply(topic, body="うちは3回線です。詳しくは [手順](/sections/x/) を。")
    services.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=world.member)
    topic.refresh_from_db()
    prefill = selectors_prefill(topic, world.head)
    assert prefill["title"] == topic.title and "@[" not in prefill["question"]
    assert prefill["answer"].startswith("うちは3回線")
    entry = services.entry_create(
        section_id=world.section.pk,
        actor=world.head,
        source_topic_ids=[topic.pk],
        **prefill,
    )
    assert list(entry.source_topics.all()) == [topic]
    assert list(topic.qa_entries.all()) == [entry]
    # The public rendering links nowhere inside the site.
    assert "/sections/x/" not in entry.answer_html and "手順" in entry.answer_html
    assert entry.published_at is None


def selectors_prefill(topic, user):
    return selectors.entry_prefill_from_topic(topic=topic, user=user)


def test_only_heads_and_staff_make_entries_and_only_from_their_section(world):
    topic = world.ask()
    for actor in (world.deputy, world.member, world.outsider):
        with pytest.raises(DiscussionError, match="課長と事務局"):
            services.entry_create(
                section_id=world.section.pk, actor=actor, title="Q", question="", answer="A"
            )
    elsewhere = SectionFactory()
    other = services.topic_create(
        section_id=elsewhere.pk, author=world.staff, kind="question", title="他課", body="x"
    ).topic
    with pytest.raises(DiscussionError, match="元の話題"):
        services.entry_create(
            section_id=world.section.pk,
            actor=world.head,
            title="Q",
            question="",
            answer="A",
            source_topic_ids=[topic.pk, other.pk],
        )
    assert not Entry.objects.exists()


def test_only_staff_publish(world):
    entry = services.entry_create(
        section_id=world.section.pk, actor=world.head, title="Q", question="", answer="A"
    )
    with pytest.raises(DiscussionError, match="事務局だけ"):
        services.entry_publish(entry_id=entry.pk, actor=world.head)
    services.entry_publish(entry_id=entry.pk, actor=world.staff)
    entry.refresh_from_db()
    assert entry.is_published and entry.published_by == world.staff
    assert selectors.public_entries().get() == entry
    services.entry_unpublish(entry_id=entry.pk, actor=world.staff)
    assert not selectors.public_entries().exists()


def test_entry_edits_rerender(world):
    entry = services.entry_create(
        section_id=world.section.pk, actor=world.head, title="Q", question="", answer="A"
    )
    services.entry_update(
        entry_id=entry.pk, actor=world.staff, title="Q2", question="詳細", answer="**B**", tags="x"
    )
    entry.refresh_from_db()
    assert entry.title == "Q2" and "<strong>B</strong>" in entry.answer_html
    assert entry.updated_by == world.staff
    with pytest.raises(DiscussionError):
        services.entry_update(
            entry_id=entry.pk, actor=world.member, title="x", question="", answer="y"
        )


def test_mail_is_plain_text_only(world, django_capture_on_commit_callbacks):
    topic = world.ask(title='"研修" <A&B>')
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_create(topic_id=topic.pk, author=world.member2, body="@[課長 一郎] 見て")
    from outbox.services import mail_deliver

    row = OutgoingMail.objects.get(template="notifications_mention")
    mail_deliver(mail_id=row.pk)
    message = mail.outbox[-1]
    assert '"研修" <A&B>' in message.subject and '"研修" <A&B>' in message.body
    assert "&lt;" not in message.body and not getattr(message, "alternatives", [])
