"""The pages: a hidden post gone from every list and file URL per role (its author sees
it marked), reporting, the queue for staff and for heads, deciding, penalties, the
行動規範; query counts of the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from discussions import selectors as discussion_selectors
from discussions import services as discussion_services
from discussions.models import Post
from moderation import services
from moderation.models import Case, ConductAcceptance, Penalty, Report
from outbox.models import OutgoingMail
from tests.accounts.test_access_matrix import close_download
from tests.factories import MemberFactory
from tests.moderation.conftest import moderator

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _as(client, user):
    client.force_login(user)
    return client


def _hide(world, post):
    for m in world.members[1:3]:
        services.report_create(reporter=m, post_id=post.pk, reason="personal")
    assert Post.objects.get(pk=post.pk).hidden_at is not None


@pytest.fixture
def filed(world, tmp_path, settings):
    """A reply with a file, by the author; and a topic opened by the author."""
    settings.MEDIA_ROOT = tmp_path
    post = discussion_services.reply_create(
        topic_id=world.topic.pk, author=world.author, body="添付つきの秘密の返信",
        files=[SimpleUploadedFile("名簿.pdf", PDF, content_type="application/pdf")],
    ).post  # fmt: skip
    topic = discussion_services.topic_create(
        section_id=world.section.pk, author=world.author, kind="share", title="秘密の話題",
        body="住民の名簿です",
    ).topic  # fmt: skip
    return post, topic


def test_a_hidden_post_is_gone_from_every_list_and_file_url_per_role(client, world, filed):
    post, topic = filed
    attachment = post.attachments.get()
    file_url = reverse(
        "discussions:attachment", args=[world.section.slug, world.topic.pk, attachment.pk]
    )
    thread_url = reverse("discussions:topic", args=[world.section.slug, world.topic.pk])
    list_url = reverse("discussions:topics", args=[world.section.slug])
    hidden_topic_url = reverse("discussions:topic", args=[world.section.slug, topic.pk])
    for user in (world.members[4], world.head, world.staff):
        download = _as(client, user).get(file_url)
        assert download.status_code == 200
        close_download(
            download
        )  # not response.close(): it would close PostgreSQL's test connection
    _hide(world, post)
    _hide(world, topic.posts.get(number=1))
    outsider = MemberFactory()
    for user in (
        world.members[4],
        world.head,
        world.deputy,
        world.staff,
        outsider,
        world.members[1],
    ):
        c = _as(client, user)
        assert c.get(file_url).status_code == 404, user
        page = c.get(thread_url).content.decode()
        assert "添付つきの秘密の返信" not in page and "名簿.pdf" not in page
        assert "秘密の話題" not in c.get(list_url).content.decode()
        assert c.get(hidden_topic_url).status_code == 404
        assert not discussion_selectors.readable_posts(user).filter(pk=post.pk).exists()
        assert topic not in discussion_selectors.home_recent(user=user)
        assert topic not in discussion_selectors.recent_topics(section=world.section, user=user)
        assert "秘密の話題" not in c.get(reverse("home")).content.decode()
    # The author still sees both, marked hidden with the reason category.
    c = _as(client, world.author)
    page = c.get(thread_url).content.decode()
    assert (
        "添付つきの秘密の返信" in page
        and "非表示になっています（理由: 個人情報・非公開情報）" in page
    )
    assert c.get(hidden_topic_url).status_code == 200
    assert c.get(file_url).status_code == 404  # files of hidden posts stop being served


def test_report_page_and_its_refusals(client, world):
    url = reverse("moderation:report", args=["post", world.reply.pk])
    c = _as(client, world.members[1])
    page = c.get(url)
    assert page.status_code == 200 and "個人情報・非公開情報" in page.content.decode()
    assert c.post(url, {"reason": "other", "text": ""}).status_code == 422
    assert not Report.objects.exists()
    response = c.post(url, {"reason": "spam"}, follow=True)
    assert "報告を受け付けました" in response.content.decode()
    response = c.post(url, {"reason": "personal"}, follow=True)
    assert "すでに報告済み" in response.content.decode()
    assert Report.objects.get().reason == "spam"
    # Own post, a post one cannot read, tampered kinds and ids.
    assert _as(client, world.author).post(url, {"reason": "spam"}).status_code == 403
    assert c.get(reverse("moderation:report", args=["post", 987654])).status_code == 404
    assert c.get(reverse("moderation:report", args=["event", world.reply.pk])).status_code == 404
    assert Report.objects.count() == 1


def test_the_report_link_is_on_others_posts_and_profiles(client, world):
    c = _as(client, world.members[1])
    page = c.get(
        reverse("discussions:topic", args=[world.section.slug, world.topic.pk])
    ).content.decode()
    assert reverse("moderation:report", args=["post", world.reply.pk]) in page
    profile = c.get(reverse("profile", args=[world.author.pk])).content.decode()
    assert reverse("moderation:report", args=["profile", world.author.pk]) in profile
    own = _as(client, world.author).get(reverse("profile", args=[world.author.pk])).content.decode()
    assert "このプロフィールを報告する" not in own


def test_the_queue_for_heads_shows_their_sections_only(client, world):
    services.report_create(reporter=world.members[1], post_id=world.reply.pk, reason="spam")
    other_topic = discussion_services.topic_create(
        section_id=world.other_section.pk, author=world.other_head, kind="share",
        title="別の課の話題", body="本文",
    ).topic  # fmt: skip
    services.report_create(
        reporter=world.members[1], post_id=other_topic.posts.get().pk, reason="spam"
    )
    services.report_create(reporter=world.members[1], profile_id=world.author.pk, reason="spam")
    head_page = _as(client, world.head).get(reverse("moderation:queue")).content.decode()
    assert "窓口の混雑" in head_page and "別の課の話題" not in head_page
    assert "プロフィール：" not in head_page
    staff_page = _as(client, world.staff).get(reverse("moderation:queue")).content.decode()
    assert (
        "窓口の混雑" in staff_page
        and "別の課の話題" in staff_page
        and "プロフィール：" in staff_page
    )
    assert 'data-figure="open">3<' in staff_page
    assert _as(client, world.members[2]).get(reverse("moderation:queue")).status_code == 404
    # Filters: reason, section, state.
    c = _as(client, world.staff)
    assert (
        "窓口の混雑" not in c.get(reverse("moderation:queue") + "?reason=personal").content.decode()
    )
    by_section = c.get(
        reverse("moderation:queue") + f"?section={world.other_section.pk}"
    ).content.decode()
    assert "別の課の話題" in by_section and "窓口の混雑" not in by_section
    assert (
        "条件に合う報告はありません"
        in c.get(reverse("moderation:queue") + "?state=decided").content.decode()
    )


def test_case_page_shows_context_reasons_and_history_and_a_head_decides(client, world):
    now = timezone.now()
    Penalty.objects.create(
        user=world.author, kind="silence", reason="以前の違反", starts_at=now - timedelta(days=40),
        ends_at=now - timedelta(days=33), lifted_at=now - timedelta(days=33),
    )  # fmt: skip
    services.report_create(
        reporter=world.members[1], post_id=world.reply.pk, reason="personal", text="住所"
    )
    case = Case.objects.get()
    url = reverse("moderation:case", args=[case.pk])
    page = _as(client, world.head).get(url).content.decode()
    assert "どうしていますか" in page  # the post in context (the opening post above it)
    assert "山田さん" in page and "個人情報・非公開情報 1" in page and "以前の違反" in page
    assert "編集して一部を伏せる" not in page  # staff only
    assert world.members[1].full_name not in page  # heads do not see who reported
    assert _as(client, world.other_head).get(url).status_code == 404
    assert (
        _as(client, world.other_head)
        .post(reverse("moderation:decide", args=[case.pk]), {"decision": "hide", "note": "x"})
        .status_code
        == 404
    )
    c = _as(client, world.head)
    assert (
        c.post(reverse("moderation:decide", args=[case.pk]), {"decision": "hide"}).status_code
        == 422
    )
    response = c.post(
        reverse("moderation:decide", args=[case.pk]),
        {"decision": "hide", "note": "住所が書かれています"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.decision == "hide" and case.decided_by == world.head
    assert OutgoingMail.objects.filter(
        template="moderation_decision", to_email=world.author.email
    ).exists()


def test_staff_silence_a_member_from_the_penalty_page(client, world):
    url = reverse("moderation:penalty_new", args=[world.author.pk])
    assert _as(client, world.head).get(url).status_code == 404
    c = _as(client, world.staff)
    assert c.get(url).status_code == 200
    assert c.post(url, {"kind": "silence", "days": "", "reason": "r"}).status_code == 422
    response = c.post(url, {"kind": "silence", "days": "7", "reason": "個人情報の投稿"})
    assert response.status_code == 302
    penalty = Penalty.objects.get()
    assert penalty.ends_at - penalty.starts_at == timedelta(days=7)
    home = _as(client, world.author).get(reverse("home")).content.decode()
    assert "投稿停止中です" in home and "個人情報の投稿" in home
    mine = client.get(reverse("moderation:mine")).content.decode()
    assert "実施中" in mine
    reply_url = reverse("discussions:reply", args=[world.section.slug, world.topic.pk])
    refused = client.post(reply_url, {"body": "返信します"})
    assert refused.status_code in (403, 422) and "投稿停止中" in refused.content.decode()
    assert not Post.objects.filter(author=world.author, body="返信します").exists()
    lift = reverse("moderation:penalty_lift", args=[penalty.pk])
    assert _as(client, world.head).post(lift).status_code == 404
    assert _as(client, world.staff).post(lift).status_code == 302
    assert Penalty.objects.get().lifted_at is not None


def test_conduct_page_is_public_and_members_accept_it(client, world):
    assert client.get(reverse("moderation:conduct")).status_code == 200
    services.conduct_publish(title="横糸 行動規範", body="## 個人情報を書かない")
    page = client.get(reverse("moderation:conduct")).content.decode()
    assert "個人情報を書かない" in page and "第1版" in page
    member = world.members[2]
    c = _as(client, member)
    new_topic = c.get(reverse("discussions:topic_new", args=[world.section.slug])).content.decode()
    assert "行動規範（第1版）" in new_topic
    assert c.post(reverse("moderation:conduct_accept"), {"version": "1"}).status_code == 302
    assert ConductAcceptance.objects.filter(user=member, version=1).exists()
    assert c.post(reverse("moderation:conduct_accept"), {"version": "abc"}).status_code == 302
    assert ConductAcceptance.objects.count() == 1


def test_the_queue_and_a_case_do_a_constant_number_of_queries(client, world):
    """The same number of queries for 2 cases as for 20 (and for a case with 1 report as
    with 5); figures in docs/benchmarks.md."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = moderator()
    c = _as(client, staff)

    def add(n):
        for i in range(n):
            post = world.post_reply(author=world.members[i % 4], body=f"返信 {i}")
            services.report_create(reporter=world.members[4], post_id=post.pk, reason="spam")
            Report.objects.filter(reporter=world.members[4]).update(
                created_at=timezone.now() - timedelta(days=1)
            )

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert c.get(url).status_code == 200
        return len(queries)

    add(2)
    few = count(reverse("moderation:queue"))
    add(18)
    many = count(reverse("moderation:queue"))
    print(f"queue queries: 2 cases {few}, 20 cases {many}")
    assert few == many and many <= 14
    case = Case.objects.order_by("pk").first()
    one = count(reverse("moderation:case", args=[case.pk]))
    for m in (world.members[1], world.members[2], world.members[3]):
        if Post.objects.get(pk=case.post_id).hidden_at is None:
            services.report_create(reporter=m, post_id=case.post_id, reason="spam")
    five = count(reverse("moderation:case", args=[case.pk]))
    print(f"case queries: 1 report {one}, more reports {five}")
    assert five == one and five <= 20
