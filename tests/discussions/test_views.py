"""The pages as a member uses them: lists, forms that keep what was typed, htmx and plain
posts, refusals (403/404, nothing saved), files, 議事メモ, 参考Q&A and publishing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from discussions import services
from discussions.models import Attachment, Entry, Post, Topic
from tests.discussions.conftest import PDF, PNG, pdf
from tests.factories import ApplicantFactory, MeetingFactory, MemberFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"discussions:{name}", args=args)


def fetch(client, link) -> int:
    """GET a file and read it (reading to the end closes it); the status."""
    response = client.get(link)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def login(client, user):
    client.force_login(user)
    return client


# --- The list ---------------------------------------------------------------------------------


def test_the_topic_list_filters_by_kind_state_and_tag(client, world):
    solved = world.ask(title="解決した質問", tags="予約")
    answer = world.reply(solved)
    services.answer_mark(topic_id=solved.pk, post_id=answer.pk, actor=world.member)
    world.ask(title="未解決の質問", tags="会場")
    world.ask(kind="share", title="共有です", tags="予約")
    login(client, world.outsider)
    base = url("topics", world.section.slug)

    def titles(query=""):
        html = client.get(base + query).content.decode()
        return set(re.findall(r'<h2 class="dz-topic__title"><a href="[^"]+">([^<]+)</a>', html))

    assert titles() == {"解決した質問", "未解決の質問", "共有です"}
    assert titles("?kind=share") == {"共有です"}
    assert titles("?state=solved") == {"解決した質問"}
    assert titles("?state=unsolved") == {"未解決の質問"}
    assert titles("?tag=予約") == {"解決した質問", "共有です"}
    assert titles("?tag=ﾖﾔｸ") == set()
    assert titles("?kind=bogus&state=__class__") == titles()
    response = client.get(base + "?state=solved", headers=HX)
    assert response.status_code == 200 and "<html" not in response.content.decode()


def test_an_empty_section_says_so_and_invites_a_first_post(client, world):
    html = login(client, world.member).get(url("topics", world.section.slug)).content.decode()
    assert "まだ話題はありません" in html and url("topic_new", world.section.slug) in html
    html = login(client, world.outsider).get(url("topics", world.section.slug)).content.decode()
    assert "課のメンバーだけ" in html and url("topic_new", world.section.slug) not in html


def test_the_list_is_paginated_newest_activity_first(client, world):
    now = timezone.now()
    for i in range(25):
        world.ask(author=world.staff, title=f"話題{i:02d}", now=now - timedelta(hours=25 - i))
    old = Topic.objects.get(title="話題00")
    world.reply(old)  # activity brings it to the top
    html = login(client, world.member).get(url("topics", world.section.slug)).content.decode()
    found = re.findall(r">(話題\d\d)</a>", html)
    assert found[0] == "話題00" and found[1] == "話題24" and len(found) == 20
    assert "1 / 2 ページ" in html
    page2 = client.get(url("topics", world.section.slug) + "?page=2").content.decode()
    assert len(re.findall(r">(話題\d\d)</a>", page2)) == 5
    assert client.get(url("topics", world.section.slug) + "?page=999").status_code == 200


# --- New topics ---------------------------------------------------------------------------


def test_a_new_topic_with_an_attachment(client, world):
    login(client, world.member)
    assert client.get(url("topic_new", world.section.slug)).status_code == 200
    response = client.post(
        url("topic_new", world.section.slug),
        {"kind": "question", "title": "電話予約の回線", "body": "何回線？", "tags": "予約",
         "files": [pdf("運用.pdf")]},
    )  # fmt: skip
    topic = Topic.objects.get()
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "運用.pdf" in html and "電話予約の回線" in html


def test_a_bad_new_topic_keeps_what_was_typed(client, world):
    login(client, world.member)
    response = client.post(
        url("topic_new", world.section.slug),
        {"kind": "question", "title": "x" * 121, "body": "消えてほしくない本文", "tags": "a, b"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "消えてほしくない本文" in html and "x" * 121 in html and "120文字以内" in html
    assert not Topic.objects.exists()
    htmx = client.post(
        url("topic_new", world.section.slug),
        {"kind": "question", "title": "題", "body": "本文", "files": [pdf("a.svg", b"<svg/>")]},
        headers=HX,
    )
    assert htmx.status_code == 422 and "本文" in htmx.content.decode()
    assert 'id="topic-form"' in htmx.content.decode() and "<html" not in htmx.content.decode()
    assert not Attachment.objects.exists()


def test_the_rate_limit_keeps_the_text(client, world, settings):
    settings.DISCUSSIONS_RATE_LIMIT = 1
    world.ask()
    login(client, world.member)
    response = client.post(
        url("topic_new", world.section.slug),
        {"kind": "question", "title": "二つ目", "body": "急ぎの二つ目の質問"},
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "急ぎの二つ目の質問" in html and "しばらく待って" in html
    assert Topic.objects.count() == 1


def test_outsiders_are_refused_a_new_topic_and_nothing_is_saved(client, world):
    login(client, world.outsider)
    response = client.post(
        url("topic_new", world.section.slug), {"kind": "question", "title": "t", "body": "b"}
    )
    assert response.status_code == 403 and "課のメンバーだけ" in response.content.decode()
    assert not Topic.objects.exists()


# --- Replies -------------------------------------------------------------------------------


def test_replying_with_htmx_appends_the_post_and_a_fresh_form(client, world):
    topic = world.ask()
    login(client, world.member2)
    response = client.post(
        url("reply", world.section.slug, topic.pk), {"body": "**回答**"}, headers=HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="post-2"' in html and "<strong>回答</strong>" in html
    assert 'id="reply-form" hx-swap-oob="true"' in html and "<html" not in html
    assert Post.objects.filter(topic=topic).count() == 2


def test_replying_without_js_redirects_to_the_post(client, world):
    topic = world.ask()
    login(client, world.member2)
    response = client.post(url("reply", world.section.slug, topic.pk), {"body": "回答"})
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url() + "#post-2"


def test_a_bad_reply_re_renders_the_form_with_errors(client, world):
    topic = world.ask()
    login(client, world.member2)
    response = client.post(
        url("reply", world.section.slug, topic.pk), {"body": "x" * 20_001}, headers=HX
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#reply-form" and response["HX-Reswap"] == "outerHTML"
    assert "20,000文字以内" in response.content.decode()
    plain = client.post(url("reply", world.section.slug, topic.pk), {"body": ""})
    assert plain.status_code == 422 and "返信を入力" in plain.content.decode()
    assert Post.objects.filter(topic=topic).count() == 1


def test_replies_to_locked_or_forbidden_topics_are_refused(client, world):
    topic = world.ask()
    services.topic_set_locked(topic_id=topic.pk, actor=world.head, locked=True)
    login(client, world.member2)
    response = client.post(url("reply", world.section.slug, topic.pk), {"body": "遅れて"})
    assert response.status_code == 403 and "締め切って" in response.content.decode()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "返信を締め切って" in page and 'name="body"' not in page
    login(client, world.outsider)
    other = world.ask(title="開いている")
    assert client.post(url("reply", world.section.slug, other.pk), {"body": "x"}).status_code == 403
    assert Post.objects.filter(number__gt=1).count() == 0


def test_quoting_a_reply(client, world):
    topic = world.ask()
    first = world.reply(topic, body="引用される<script>本文</script>")
    login(client, world.head)
    page = client.get(topic.get_absolute_url() + f"?quote={first.pk}").content.decode()
    assert f'value="{first.pk}"' in page and "引用: 回答 太郎さんの投稿 #2" in page
    client.post(url("reply", world.section.slug, topic.pk), {"body": "同感です", "quote": first.pk})
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "回答 太郎さんの投稿 #2</a> より" in html
    assert "&lt;script&gt;本文&lt;/script&gt;" in html and "<script>本文" not in html


def test_a_tampered_id_is_404(client, world):
    topic = world.ask()
    login(client, world.member)
    other = MemberFactory()
    assert client.get(url("topic", world.section.slug, 987654)).status_code == 404
    assert client.get(url("topic", "madoguchi", topic.pk)).status_code == 404  # wrong section
    reply = world.reply(topic)
    response = client.post(
        url("post_edit", world.section.slug, topic.pk, reply.pk), {"body": "乗っ取り"}
    )
    assert response.status_code == 404
    assert Post.objects.get(pk=reply.pk).body != "乗っ取り"
    assert other  # an unrelated member exists


# --- Answers ------------------------------------------------------------------------------


def test_the_asker_marks_a_solution_and_it_shows_under_the_question(client, world):
    topic = world.ask(body="質問本文")
    reply = world.reply(topic, body="これが答えです")
    for _ in range(3):
        world.reply(topic, author=world.head, body="雑談")
    login(client, world.member2)
    denied = client.post(url("answer_mark", world.section.slug, topic.pk, reply.pk))
    assert denied.status_code == 403 and Topic.objects.get(pk=topic.pk).answer is None
    login(client, world.member)
    response = client.post(url("answer_mark", world.section.slug, topic.pk, reply.pk))
    assert response.status_code == 302
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "data-solved" in html
    question_at = html.index("質問本文")
    answer_box = html.index('class="dz-answer"')
    assert question_at < answer_box < html.index('id="post-2"')
    assert "これが答えです" in html[answer_box : html.index('id="post-2"')]


# --- Attachments ---------------------------------------------------------------------------


def test_attachments_are_served_to_readers_with_safe_headers(client, world):
    topic = world.ask(files=[pdf("会場図.pdf"), pdf("写真.png", PNG)])
    files = {a.kind: a for a in Attachment.objects.all()}
    login(client, world.outsider)  # 会員に公開: every member reads
    response = client.get(url("attachment", world.section.slug, topic.pk, files["pdf"].pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E4%BC%9A%E5%A0%B4%E5%9B%B3.pdf" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]
    image = client.get(url("attachment", world.section.slug, topic.pk, files["image"].pk))
    assert (
        image["Content-Disposition"].startswith("inline;") and image["Content-Type"] == "image/png"
    )
    b"".join(image.streaming_content)


def test_files_stop_being_served_when_the_post_goes(client, world):
    topic = world.ask()
    reply = services.reply_create(
        topic_id=topic.pk, author=world.member2, body="資料です", files=[pdf()]
    ).post
    attachment = reply.attachments.get()
    link = url("attachment", world.section.slug, topic.pk, attachment.pk)
    login(client, world.head)
    assert fetch(client, link) == 200
    services.post_set_hidden(post_id=reply.pk, reason="personal")
    assert fetch(client, link) == 404
    login(client, world.member2)  # hidden by moderation: not served to the author either
    assert fetch(client, link) == 404  # (a post hidden for 個人情報 must not leak its file)
    services.post_set_visible(post_id=reply.pk)
    services.post_delete(post_id=reply.pk, actor=world.member2)
    assert fetch(client, link) == 404
    assert fetch(client, url("attachment", "madoguchi", topic.pk, attachment.pk)) == 404


def test_a_members_only_sections_files_are_not_served_to_outsiders(client, world):
    world.restrict()
    topic = world.ask(files=[pdf()])
    link = url("attachment", world.section.slug, topic.pk, Attachment.objects.get().pk)
    login(client, world.outsider)
    assert client.get(link).status_code == 404
    login(client, ApplicantFactory())
    assert client.get(link).status_code == 302  # to the status page
    client.logout()
    assert client.get(link).status_code == 302  # to login


# --- Reading setting ---------------------------------------------------------------------------


def test_the_head_sets_members_only_from_the_topic_list(client, world):
    world.ask(title="課内の相談")
    login(client, world.deputy)
    assert (
        client.post(url("reading", world.section.slug), {"reading": "section"}).status_code == 404
    )
    login(client, world.head)
    html = client.get(url("topics", world.section.slug)).content.decode()
    assert "話題の公開範囲を変える" in html
    response = client.post(url("reading", world.section.slug), {"reading": "section"})
    assert response.status_code == 302
    login(client, world.outsider)
    closed = client.get(url("topics", world.section.slug))
    assert closed.status_code == 403 and "課員のみ" in closed.content.decode()
    assert "課内の相談" not in closed.content.decode()
    detail = client.get(reverse("sections:detail", args=[world.section.slug])).content.decode()
    assert "課内の相談" not in detail and "課員のみが読めます" in detail


# --- Section pages, directory, home ------------------------------------------------------------


def test_section_page_tabs_panel_and_directory_activity(client, world):
    world.ask(title="最近の質問")
    world.ask(title="古い質問", now=timezone.now() - timedelta(days=40))
    login(client, world.outsider)
    html = client.get(reverse("sections:detail", args=[world.section.slug])).content.decode()
    assert (
        url("topics", world.section.slug) in html and url("section_qa", world.section.slug) in html
    )
    assert "最近の質問" in html
    directory = client.get(reverse("sections:directory")).content.decode()
    card = directory[directory.index(f'data-section="{world.section.slug}"') :]
    card = card[: card.index("</li>")]
    assert "30日間の話題 <span data-stat>1</span>件" in card


def test_home_panels(client, world):
    world.ask(title="三日前の質問", now=timezone.now() - timedelta(hours=73))
    world.ask(title="昨日の質問", now=timezone.now() - timedelta(hours=20))
    answered = world.ask(title="答えのある質問", now=timezone.now() - timedelta(hours=80))
    world.reply(answered)
    html = login(client, world.head).get(reverse("home")).content.decode()
    assert "参加している課の新着" in html and "昨日の質問" in html
    panel = html[html.index("回答のない質問") :]
    assert "三日前の質問" in panel and "昨日の質問" not in panel and "答えのある質問" not in panel
    member_home = login(client, world.member).get(reverse("home")).content.decode()
    assert "回答のない質問" not in member_home and "昨日の質問" in member_home
    outsider_home = login(client, world.outsider).get(reverse("home")).content.decode()
    assert (
        "昨日の質問" not in outsider_home
        and "参加している課の話題はまだありません" in outsider_home
    )


# --- 議事メモ -----------------------------------------------------------------------------------


def test_the_scribe_is_chosen_from_the_attendees_and_the_heads(client, world):
    """A head names a 書記 from those who attended and the heads/deputies, not from a list
    of every member of the section (3,000 options on a big section)."""
    from events.models import Registration

    starts = timezone.now() - timedelta(days=1)
    meeting = MeetingFactory(
        section=world.section, event__starts_at=starts, event__ends_at=starts + timedelta(hours=1)
    )
    Registration.objects.create(event=meeting.event, user=world.member2, status="going")
    Registration.objects.create(event=meeting.event, user=world.member, status="not_going")
    login(client, world.head)
    meeting_url = reverse("sections:meeting", args=[world.section.slug, meeting.pk])
    select = re.search(
        r'<select id="scribe-user".*?</select>', client.get(meeting_url).content.decode(), re.S
    )
    options = set(re.findall(r'<option value="(\d+)"', select.group(0)))
    assert options == {str(world.member2.pk), str(world.head.pk), str(world.deputy.pk)}
    # The named scribe stays selectable (and selected) even without attending.
    services.meeting_scribe_set(meeting_id=meeting.pk, actor=world.head, user_id=world.member.pk)
    select = re.search(
        r'<select id="scribe-user".*?</select>', client.get(meeting_url).content.decode(), re.S
    )
    assert f'<option value="{world.member.pk}" selected>' in select.group(0)


def test_meeting_notes_from_the_meeting_page_to_the_topic_list(client, world):
    starts = timezone.now() - timedelta(days=1)
    meeting = MeetingFactory(
        section=world.section,
        event__title="第40回 ワクチン接種 情報交換会",
        event__starts_at=starts,
        event__ends_at=starts + timedelta(hours=1),
    )
    login(client, world.member)
    meeting_url = reverse("sections:meeting", args=[world.section.slug, meeting.pk])
    assert "議事メモを書く" not in client.get(meeting_url).content.decode()
    assert client.get(url("meeting_notes", world.section.slug, meeting.pk)).status_code == 404
    login(client, world.head)
    page = client.get(meeting_url).content.decode()
    assert "議事メモを書く" in page and "書記を決める" in page
    client.post(url("meeting_scribe", world.section.slug, meeting.pk), {"user": world.member.pk})
    login(client, world.member)
    response = client.post(
        url("meeting_notes", world.section.slug, meeting.pk),
        {"title": "", "body": "- 予約枠を増やす"},
    )
    topic = Topic.objects.get(meeting=meeting)
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    assert "予約枠を増やす" in client.get(meeting_url).content.decode()
    detail = client.get(reverse("sections:detail", args=[world.section.slug])).content.decode()
    past = detail[detail.index("過去の情報交換会") :]
    assert topic.get_absolute_url() in past and "議事メモ" in past
    listing = client.get(url("topics", world.section.slug)).content.decode()
    assert "議事メモ：第40回 ワクチン接種 情報交換会" in listing


# --- 参考Q&A ------------------------------------------------------------------------------------


def _solved(world):
    topic = world.ask(
        title="予約の電話回線は何本？", body="@[課長 一郎] 教えてください", tags="予約"
    )
    reply = world.reply(topic, body="3回線で足りました。")
    services.answer_mark(topic_id=topic.pk, post_id=reply.pk, actor=world.member)
    return Topic.objects.get(pk=topic.pk)


def test_the_head_turns_a_solved_topic_into_an_entry_in_two_clicks(client, world):
    topic = _solved(world)
    login(client, world.member)
    assert "data-make-entry" not in client.get(topic.get_absolute_url()).content.decode()
    assert client.get(url("topic_to_entry", world.section.slug, topic.pk)).status_code == 404
    login(client, world.head)
    page = client.get(topic.get_absolute_url()).content.decode()
    make = re.search(r'href="([^"]+)" data-make-entry', page).group(1)  # click 1
    form = client.get(make).content.decode()
    assert "予約の電話回線は何本？" in form and "3回線で足りました。" in form
    assert "@[課長 一郎]" not in form
    response = client.post(  # click 2: the pre-filled form as it is
        make,
        {"title": "予約の電話回線は何本？", "question": "教えてください",
         "answer": "3回線で足りました。", "tags": "予約"},
    )  # fmt: skip
    entry = Entry.objects.get()
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    assert list(entry.source_topics.all()) == [topic]
    assert "参考Q&Aになっています" in client.get(topic.get_absolute_url()).content.decode()


def test_publishing_shows_exactly_what_the_public_will_see(client, world):
    topic = _solved(world)
    entry = services.entry_create(
        section_id=world.section.pk, actor=world.head, title="予約の電話回線は何本？",
        question="", answer="3回線で足りました。", tags="予約", source_topic_ids=[topic.pk],
    )  # fmt: skip
    login(client, world.head)
    assert client.get(url("qa_publish", entry.pk)).status_code == 404
    login(client, world.staff)
    confirm = client.get(url("qa_publish", entry.pk)).content.decode()
    preview = confirm[confirm.index("data-entry-public") : confirm.index("</article>")]
    client.logout()
    assert client.get(url("qa_entry", entry.pk)).status_code == 404  # not yet public
    login(client, world.staff)
    assert client.post(url("qa_publish", entry.pk), {}).status_code == 422
    assert Entry.objects.get().published_at is None
    assert client.post(url("qa_publish", entry.pk), {"confirm": "1"}).status_code == 302
    client.logout()
    public = client.get(url("qa_entry", entry.pk)).content.decode()
    assert public[public.index("data-entry-public") : public.index("</article>")] == preview


def test_the_public_reads_published_entries_without_names_or_member_links(client, world):
    topic = _solved(world)
    published = services.entry_create(
        section_id=world.section.pk, actor=world.head, title="公開する質問", question="",
        answer="[課の話題](/sections/corona-test/topics/) と https://www.mhlw.go.jp/ を参照",
        source_topic_ids=[topic.pk],
    )  # fmt: skip
    services.entry_publish(entry_id=published.pk, actor=world.staff)
    services.entry_create(
        section_id=world.section.pk,
        actor=world.head,
        title="会員だけの質問",
        question="",
        answer="A",
    )
    for visitor in (None, ApplicantFactory()):
        client.logout()
        if visitor:
            client.force_login(visitor)
        listing = client.get(url("qa")).content.decode()
        assert "公開する質問" in listing and "会員だけの質問" not in listing
        page = client.get(url("qa_entry", published.pk)).content.decode()
        for text in (page, listing):
            for person in (world.head, world.member, world.member2, world.staff):
                assert person.full_name not in text
            assert "千代田区" not in text and "大阪市" not in text
            for href in re.findall(r'href="([^"]+)"', text):
                assert not href.startswith(("/sections/", "/members/", "/trainings/")), href
        assert "https://www.mhlw.go.jp/" in page
        hidden = Entry.objects.get(title="会員だけの質問")
        assert client.get(url("qa_entry", hidden.pk)).status_code == 404
        assert client.get(url("qa_edit", published.pk)).status_code == 302
    login(client, world.outsider)
    listing = client.get(url("qa")).content.decode()
    assert "会員だけの質問" in listing  # 会員に公開 section: members read its entries


def test_the_section_qa_tab(client, world):
    entry = services.entry_create(
        section_id=world.section.pk,
        actor=world.head,
        title="課の水際対策Q",
        question="",
        answer="A",
    )
    html = login(client, world.member).get(url("section_qa", world.section.slug)).content.decode()
    assert "課の水際対策Q" in html and entry.get_absolute_url() in html
    world.restrict()
    html = login(client, world.outsider).get(url("section_qa", world.section.slug)).content.decode()
    assert "課の水際対策Q" not in html
    services.entry_publish(entry_id=entry.pk, actor=world.staff)
    html = client.get(url("section_qa", world.section.slug)).content.decode()
    assert "課の水際対策Q" in html  # published: everyone reads it


def test_the_head_edits_an_entry(client, world):
    entry = services.entry_create(
        section_id=world.section.pk, actor=world.head, title="旧", question="", answer="A"
    )
    login(client, world.member)
    assert client.get(url("qa_edit", entry.pk)).status_code == 404
    login(client, world.head)
    bad = client.post(url("qa_edit", entry.pk), {"title": "", "question": "", "answer": "残す回答"})
    assert bad.status_code == 422 and "残す回答" in bad.content.decode()
    client.post(url("qa_edit", entry.pk), {"title": "新", "question": "", "answer": "B"})
    assert Entry.objects.get().title == "新"


def test_the_public_finds_the_reference_qa_from_every_page(client, world):
    assert 'href="/qa/"' in client.get("/").content.decode()
    client.force_login(ApplicantFactory())
    assert 'href="/qa/"' in client.get(reverse("application_status")).content.decode()
    client.force_login(world.member)  # members have it in their navigation
    assert client.get(reverse("home")).content.decode().count('href="/qa/"') >= 1


def test_htmx_refusals_come_back_as_the_form_with_the_message(client, world, settings):
    topic = world.ask()
    services.topic_set_locked(topic_id=topic.pk, actor=world.head, locked=True)
    login(client, world.member2)
    locked = client.post(
        url("reply", world.section.slug, topic.pk), {"body": "遅れた返信"}, headers=HX
    )
    assert locked.status_code == 422 and locked["HX-Retarget"] == "#reply-form"
    assert "締め切って" in locked.content.decode()
    settings.DISCUSSIONS_RATE_LIMIT = 1
    open_topic = world.ask(author=world.member2)
    limited = client.post(
        url("reply", world.section.slug, open_topic.pk), {"body": "急いで書いた返信"}, headers=HX
    )
    assert limited.status_code == 429 and limited["HX-Retarget"] == "#reply-form"
    assert (
        "急いで書いた返信" in limited.content.decode()
        and "しばらく待って" in limited.content.decode()
    )
    assert Post.objects.filter(number__gt=1).count() == 0
