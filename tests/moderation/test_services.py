"""Every rule of issue 15, at the service level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from core import plugins
from discussions import selectors as discussion_selectors
from discussions import services as discussion_services
from discussions.models import Post, PostRevision, Topic
from moderation import selectors, services
from moderation.models import AuditEntry, Case, ConductAcceptance, Penalty, Report
from moderation.services import ModerationError
from outbox.models import OutgoingMail
from tests.factories import MemberFactory
from tests.moderation.conftest import moderator

pytestmark = pytest.mark.django_db


def _report(user, post, reason="spam", text="", **kw):
    return services.report_create(reporter=user, post_id=post.pk, reason=reason, text=text, **kw)


def _mails(template):
    return list(OutgoingMail.objects.filter(template=template))


def _hidden(post) -> bool:
    return Post.objects.get(pk=post.pk).hidden_at is not None


# --- Reporting ------------------------------------------------------------------------------


def test_a_report_opens_a_case_with_reason_and_audit(world):
    result = _report(world.members[1], world.reply, "inappropriate")
    assert result.created and not result.hidden_now
    case = result.case
    assert case.kind == Case.Kind.REPLY and case.section_id == world.section.pk
    assert case.author_id == world.author.pk and case.report_count == 1
    assert (
        AuditEntry.objects.filter(case=case, action="report", actor=world.members[1]).count() == 1
    )
    assert not _hidden(world.reply)


def test_reporting_the_opening_post_is_a_topic_report(world):
    case = _report(world.members[1], world.opening).case
    assert case.kind == Case.Kind.TOPIC


def test_other_needs_text_and_reason_must_be_known(world):
    with pytest.raises(ModerationError, match="その他"):
        _report(world.members[1], world.reply, "other", "  ")
    with pytest.raises(ModerationError, match="理由"):
        _report(world.members[1], world.reply, "nonsense")
    assert not Report.objects.exists() and not Case.objects.exists()
    assert _report(world.members[1], world.reply, "other", "気になります").created


def test_a_second_report_changes_nothing_and_says_so(world):
    first = _report(world.members[1], world.reply, "spam")
    second = _report(world.members[1], world.reply, "personal", "住所です")
    assert not second.created and "すでに報告済み" in second.message
    assert second.report.pk == first.report.pk
    assert Report.objects.get().reason == "spam"
    assert Case.objects.get().report_count == 1
    assert AuditEntry.objects.filter(action="report").count() == 1


def test_one_cannot_report_ones_own_post(world):
    with pytest.raises(ModerationError) as raised:
        _report(world.author, world.reply)
    assert raised.value.code == "forbidden"
    assert not Case.objects.exists()


def test_one_cannot_report_what_one_cannot_read(world):
    world.extra["outsider"] = outsider = MemberFactory()
    from discussions.models import SectionSetting

    SectionSetting.objects.create(section=world.section, reading="section")
    with pytest.raises(ModerationError) as raised:
        _report(outsider, world.reply)
    assert raised.value.code == "not_found"
    with pytest.raises(ModerationError) as raised:
        services.report_create(reporter=world.members[1], post_id=987654, reason="spam")
    assert raised.value.code == "not_found"
    discussion_services.post_delete(post_id=world.reply.pk, actor=world.author)
    with pytest.raises(ModerationError):
        _report(world.members[1], world.reply)
    assert not Case.objects.exists()


def test_reports_are_rate_limited(world, settings):
    settings.MODERATION_REPORT_LIMIT = 2
    posts = [world.post_reply(body=f"返信 {i}") for i in range(3)]
    _report(world.members[1], posts[0])
    _report(world.members[1], posts[1])
    with pytest.raises(ModerationError) as raised:
        _report(world.members[1], posts[2])
    assert raised.value.code == "rate_limited"
    assert Report.objects.count() == 2
    # A repeat of an earlier report is not refused by the limit: it says "already".
    assert not _report(world.members[1], posts[0]).created


def test_a_profile_can_be_reported_but_not_ones_own(world):
    case = services.report_create(
        reporter=world.members[1], profile_id=world.author.pk, reason="inappropriate"
    ).case
    assert case.kind == Case.Kind.PROFILE and case.section_id is None
    with pytest.raises(ModerationError):
        services.report_create(reporter=world.author, profile_id=world.author.pk, reason="spam")


# --- Auto-hide -------------------------------------------------------------------------------


def test_three_distinct_members_hide_a_post_and_the_author_is_told_once(world):
    a, b, c = world.members[1:4]
    _report(a, world.reply)
    _report(b, world.reply, "inappropriate")
    assert not _hidden(world.reply)
    result = _report(c, world.reply, "inappropriate")
    assert result.hidden_now and _hidden(world.reply)
    post = Post.objects.get(pk=world.reply.pk)
    assert post.hidden_reason == "inappropriate"
    case = Case.objects.get()
    assert case.state == Case.State.HIDDEN and case.auto_hidden_at is not None
    mails = _mails("moderation_hidden")
    assert len(mails) == 1 and mails[0].to_email == world.author.email
    assert "不適切・ハラスメント" in mails[0].body
    assert a.full_name not in mails[0].body  # the author never learns who reported
    assert AuditEntry.objects.filter(action="auto_hide").count() == 1


def test_two_personal_data_reports_hide_at_once(world):
    _report(world.members[1], world.reply, "personal")
    assert not _hidden(world.reply)
    assert _report(world.members[2], world.reply, "personal").hidden_now
    assert Post.objects.get(pk=world.reply.pk).hidden_reason == "personal"


def test_one_report_from_a_head_deputy_or_staff_hides(world):
    for reporter in (world.head, world.deputy, world.staff):
        post = world.post_reply(body=f"{reporter.pk} の報告対象")
        assert _report(reporter, post).hidden_now, reporter


def test_a_head_of_another_section_counts_as_a_member(world):
    assert not _report(world.other_head, world.reply).hidden_now


def test_one_members_reports_never_hide_a_heads_or_staffs_post(world):
    heads_post = world.post_reply(author=world.head, body="課長の返信")
    assert not _report(world.deputy, heads_post).hidden_now
    assert not _report(world.staff, heads_post).hidden_now
    assert not _hidden(heads_post)
    staff_post = world.post_reply(author=world.staff, body="事務局の返信")
    assert not _report(world.head, staff_post).hidden_now
    # Three distinct members still do.
    _report(world.members[1], heads_post)
    assert _hidden(heads_post)


def test_hiding_the_opening_post_hides_the_topic_from_every_list(world):
    _report(world.staff, world.opening)
    topic = Topic.objects.get(pk=world.topic.pk)
    assert topic.hidden_at is not None
    reader = world.members[2]
    assert not discussion_selectors.readable_topics(reader).filter(pk=topic.pk).exists()
    assert not discussion_selectors.topic_list(user=reader, section=world.section).exists()
    assert discussion_selectors.readable_topics(world.members[0]).filter(pk=topic.pk).exists()


# --- Decisions ------------------------------------------------------------------------------


def _hidden_case(world):
    for m in world.members[1:4]:
        _report(m, world.reply, "personal" if m == world.members[1] else "spam")
    return Case.objects.get()


def test_dismiss_restores_and_tells_author_and_every_reporter(world):
    case = _hidden_case(world)
    services.case_decide(
        case_id=case.pk, actor=world.head, decision="dismiss", note="問題ありません"
    )
    case.refresh_from_db()
    assert case.decision == "dismiss" and case.decided_by == world.head and case.decided_at
    assert case.decision_note == "問題ありません"
    assert not _hidden(world.reply)
    author_mail = _mails("moderation_decision")
    assert len(author_mail) == 1 and "問題ありません" in author_mail[0].body
    outcome = _mails("moderation_outcome")
    assert sorted(m.to_email for m in outcome) == sorted(m.email for m in world.members[1:4])
    assert all("問題なし" in m.body and "問題ありません" not in m.body for m in outcome)
    assert Report.objects.filter(outcome_sent_at__isnull=True).count() == 0
    assert AuditEntry.objects.filter(action="decide", actor=world.head).count() == 1


def test_dismissing_a_never_hidden_post_does_not_tell_the_author(world):
    case = _report(world.members[1], world.reply).case
    services.case_decide(case_id=case.pk, actor=world.staff, decision="dismiss", note="問題なし")
    assert not _mails("moderation_decision") and len(_mails("moderation_outcome")) == 1


def test_hide_keeps_it_hidden_with_the_category(world):
    case = _report(world.members[1], world.reply, "personal").case
    services.case_decide(
        case_id=case.pk, actor=world.deputy, decision="hide", note="住所があります"
    )
    post = Post.objects.get(pk=world.reply.pk)
    assert post.hidden_at and post.hidden_reason == "personal"
    mail = _mails("moderation_decision")[0]
    assert (
        "非表示" in mail.body
        and "個人情報・非公開情報" in mail.body
        and "住所があります" in mail.body
    )


def test_delete_deletes_a_reply_and_a_topic(world):
    case = _report(world.members[1], world.reply).case
    services.case_decide(case_id=case.pk, actor=world.head, decision="delete", note="宣伝です")
    assert Post.objects.get(pk=world.reply.pk).deleted_at is not None
    case2 = _report(world.members[1], world.opening).case
    services.case_decide(case_id=case2.pk, actor=world.staff, decision="delete", note="削除します")
    assert Topic.objects.get(pk=world.topic.pk).deleted_at is not None


def test_delete_works_on_a_hidden_post(world):
    case = _hidden_case(world)
    services.case_decide(case_id=case.pk, actor=world.head, decision="delete", note="削除")
    assert Post.objects.get(pk=world.reply.pk).deleted_at is not None
    assert Topic.objects.get(pk=world.topic.pk).reply_count == 0


def test_redact_is_for_staff_and_keeps_the_original_for_staff_only(world):
    case = _hidden_case(world)
    with pytest.raises(ModerationError) as raised:
        services.case_decide(
            case_id=case.pk,
            actor=world.head,
            decision="redact",
            note="伏せます",
            redacted_body="【伏せ字】",
        )
    assert raised.value.code == "forbidden"
    assert Case.objects.get().decided_at is None
    services.case_decide(
        case_id=case.pk, actor=world.staff, decision="redact", note="氏名を伏せました",
        redacted_body="【事務局により一部を伏せました】の件では……",
    )  # fmt: skip
    post = Post.objects.get(pk=world.reply.pk)
    assert "山田" not in post.body and "山田" not in post.body_html and post.hidden_at is None
    assert "山田" in Case.objects.get().original_body
    assert "山田" in PostRevision.objects.get(post=post).body  # the admin's edit history (staff)


def test_a_head_cannot_act_outside_their_sections_and_nothing_changes(world):
    case = _hidden_case(world)
    with pytest.raises(ModerationError) as raised:
        services.case_decide(case_id=case.pk, actor=world.other_head, decision="dismiss", note="x")
    assert raised.value.code == "not_found"
    with pytest.raises(ModerationError):
        services.case_decide(case_id=case.pk, actor=world.members[4], decision="dismiss", note="x")
    assert Case.objects.get().decided_at is None and _hidden(world.reply)


def test_a_head_never_judges_their_own_post_nor_profiles(world):
    heads_post = world.post_reply(author=world.head, body="課長の返信")
    case = _report(world.members[1], heads_post).case
    with pytest.raises(ModerationError):
        services.case_decide(case_id=case.pk, actor=world.head, decision="dismiss", note="x")
    profile_case = services.report_create(
        reporter=world.members[1], profile_id=world.author.pk, reason="spam"
    ).case
    with pytest.raises(ModerationError):
        services.case_decide(
            case_id=profile_case.pk, actor=world.head, decision="dismiss", note="x"
        )


def test_staff_without_the_role_cannot_decide(world):
    from tests.factories import StaffFactory

    bare = StaffFactory(is_superuser=False)
    case = _report(world.members[1], world.reply).case
    with pytest.raises(ModerationError):
        services.case_decide(case_id=case.pk, actor=bare, decision="dismiss", note="x")


def test_a_decision_needs_a_reason_and_happens_once(world):
    case = _report(world.members[1], world.reply).case
    with pytest.raises(ModerationError, match="理由"):
        services.case_decide(case_id=case.pk, actor=world.head, decision="hide", note="  ")
    services.case_decide(case_id=case.pk, actor=world.head, decision="hide", note="理由")
    with pytest.raises(ModerationError, match="すでに"):
        services.case_decide(case_id=case.pk, actor=world.staff, decision="dismiss", note="理由")


def test_profile_delete_clears_the_introduction(world):
    User.objects.filter(pk=world.author.pk).update(introduction="宣伝です http://spam.example")
    case = services.report_create(
        reporter=world.members[1], profile_id=world.author.pk, reason="spam"
    ).case
    with pytest.raises(ModerationError):
        services.case_decide(case_id=case.pk, actor=world.staff, decision="hide", note="x")
    services.case_decide(case_id=case.pk, actor=world.staff, decision="delete", note="宣伝")
    assert User.objects.get(pk=world.author.pk).introduction == ""


def test_a_new_report_after_a_decision_opens_a_new_case(world):
    case = _report(world.members[1], world.reply).case
    services.case_decide(case_id=case.pk, actor=world.head, decision="dismiss", note="問題なし")
    again = _report(world.members[2], world.reply).case
    assert again.pk != case.pk and again.is_open


# --- Response time ----------------------------------------------------------------------------


def test_overdue_after_five_days_in_the_staff_mail_with_the_figures(world, settings):
    settings.STAFF_NOTIFY_EMAILS = ["jimukyoku@example.jp"]
    now = timezone.now()
    _report(world.members[1], world.reply, now=now - timedelta(days=4))
    assert selectors.overdue_lines(now) == []
    lines = selectors.overdue_lines(now + timedelta(days=1, minutes=1))
    assert len(lines) == 2 and "5 日待ち" in lines[0] and "未対応の報告 1 件" in lines[1]
    from accounts.services import applications_overdue_notify

    assert applications_overdue_notify(now=now + timedelta(days=1, minutes=1)) == 1
    mail = OutgoingMail.objects.get(template="vetting_overdue")
    assert "5日を過ぎた未判断の報告" in mail.body and "期限超過 1 件" in mail.body
    assert "/moderation/" in mail.body


def test_reporters_hear_it_is_still_under_review_on_day_seven_exactly_once(world):
    now = timezone.now()
    _report(world.members[1], world.reply, now=now - timedelta(days=7, minutes=1))
    _report(world.members[2], world.reply, now=now - timedelta(days=6))
    assert services.reports_pending_notify(now=now) == 1
    assert services.reports_pending_notify(now=now) == 0
    mails = _mails("moderation_pending")
    assert [m.to_email for m in mails] == [world.members[1].email]
    assert "審査中" in mails[0].body
    # Decided later: the outcome still reaches both reporters.
    case = Case.objects.get()
    services.case_decide(case_id=case.pk, actor=world.head, decision="hide", note="x", now=now)
    assert len(_mails("moderation_outcome")) == 2


def test_a_report_decided_in_time_gets_no_pending_notice(world):
    now = timezone.now()
    case = _report(world.members[1], world.reply, now=now - timedelta(days=8)).case
    services.case_decide(case_id=case.pk, actor=world.head, decision="hide", note="x")
    assert services.reports_pending_notify(now=now) == 0


# --- Penalties ------------------------------------------------------------------------------


def test_silence_refuses_posting_rsvp_and_joining_with_reason_and_end(world):
    now = timezone.now()
    penalty = services.penalty_create(
        actor=world.staff, user_id=world.author.pk, kind="silence", reason="個人情報の投稿",
        ends_at=now + timedelta(days=7), now=now,
    )  # fmt: skip
    refusal = plugins.write_refusal(world.author)
    assert "投稿停止中" in refusal and "個人情報の投稿" in refusal
    from core.jst import format_jst

    assert format_jst(penalty.ends_at) in refusal
    with pytest.raises(discussion_services.DiscussionError) as raised:
        discussion_services.reply_create(topic_id=world.topic.pk, author=world.author, body="返信")
    assert "投稿停止中" in raised.value.message
    assert Post.objects.filter(author=world.author).count() == 1
    mail = _mails("moderation_penalty")[0]
    assert mail.to_email == world.author.email and "個人情報の投稿" in mail.body
    assert AuditEntry.objects.filter(action="penalty", penalty=penalty).count() == 1


def test_silence_lifts_on_time_exactly_once_with_a_mail(world):
    now = timezone.now()
    penalty = services.penalty_create(
        actor=world.staff, user_id=world.author.pk, kind="silence", reason="r",
        ends_at=now + timedelta(days=7), now=now,
    )  # fmt: skip
    assert services.penalties_lift_due(now=now + timedelta(days=6, hours=23)) == 0
    assert selectors.silence_refusal(world.author) is not None
    later = now + timedelta(days=7, seconds=1)
    assert services.penalties_lift_due(now=later) == 1
    assert services.penalties_lift_due(now=later) == 0
    penalty.refresh_from_db()
    assert penalty.lifted_at == later and penalty.lifted_by is None
    assert len(_mails("moderation_penalty_lifted")) == 1
    assert Penalty.objects.filter(user=world.author).count() == 1  # kept in the history
    assert AuditEntry.objects.filter(action="lift").count() == 1


def test_a_silence_that_has_passed_no_longer_refuses_even_before_the_beat(world):
    now = timezone.now()
    Penalty.objects.create(
        user=world.author, kind="silence", reason="r", starts_at=now - timedelta(days=8),
        ends_at=now - timedelta(days=1), created_by=world.staff,
    )  # fmt: skip
    assert selectors.silence_refusal(world.author) is None


def test_suspension_with_an_end_date_suspends_and_reinstates(world):
    now = timezone.now()
    services.penalty_create(
        actor=world.staff, user_id=world.author.pk, kind="suspension", reason="繰り返しの違反",
        ends_at=now + timedelta(days=30), now=now,
    )  # fmt: skip
    assert User.objects.get(pk=world.author.pk).status == User.Status.SUSPENDED
    mail = OutgoingMail.objects.get(template="vetting_suspended")
    assert "繰り返しの違反" in mail.body
    assert services.penalties_lift_due(now=now + timedelta(days=30, seconds=1)) == 1
    assert User.objects.get(pk=world.author.pk).status == User.Status.APPROVED
    assert OutgoingMail.objects.filter(template="vetting_reinstated").count() == 1
    assert services.penalties_lift_due(now=now + timedelta(days=31)) == 0


def test_suspension_without_end_stays_until_staff_lift_it(world):
    penalty = services.penalty_create(
        actor=world.staff, user_id=world.author.pk, kind="suspension", reason="r"
    )
    assert services.penalties_lift_due(now=timezone.now() + timedelta(days=3650)) == 0
    services.penalty_lift(penalty_id=penalty.pk, actor=world.staff)
    assert User.objects.get(pk=world.author.pk).status == User.Status.APPROVED


def test_penalties_are_for_staff_with_the_role_and_need_reason_and_end(world):
    now = timezone.now()
    with pytest.raises(ModerationError) as raised:
        services.penalty_create(
            actor=world.head, user_id=world.author.pk, kind="silence", reason="r",
            ends_at=now + timedelta(days=1),
        )  # fmt: skip
    assert raised.value.code == "forbidden"
    with pytest.raises(ModerationError):
        services.penalty_create(
            actor=world.staff, user_id=world.author.pk, kind="silence", reason="r"
        )
    with pytest.raises(ModerationError):
        services.penalty_create(
            actor=world.staff, user_id=world.author.pk, kind="silence", reason=" ",
            ends_at=now + timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ModerationError):
        services.penalty_create(
            actor=world.staff, user_id=moderator().pk, kind="silence", reason="r",
            ends_at=now + timedelta(days=1),
        )  # fmt: skip
    assert not Penalty.objects.exists() and not AuditEntry.objects.exists()


def test_the_author_history_shows_six_months(world):
    now = timezone.now()
    old = Penalty.objects.create(
        user=world.author, kind="silence", reason="old", starts_at=now - timedelta(days=300),
        ends_at=now - timedelta(days=290), lifted_at=now - timedelta(days=290),
    )  # fmt: skip
    recent = services.penalty_create(
        actor=world.staff, user_id=world.author.pk, kind="silence", reason="recent",
        ends_at=now + timedelta(days=1),
    )  # fmt: skip
    history = selectors.author_history(author=world.author)
    assert recent in history["penalties"] and old not in history["penalties"]


# --- 行動規範 -------------------------------------------------------------------------------


def test_conduct_must_be_accepted_before_posting_and_again_for_a_new_version(world):
    services.conduct_publish(title="行動規範", body="守ってください")
    member = world.members[3]
    refusal = discussion_selectors.posting_refusal(user=member, section=world.section)
    assert refusal and "行動規範（第1版）" in refusal
    # Only posting: RSVP and joining are not stopped by it.
    assert plugins.write_refusal(member) is None
    with pytest.raises(discussion_services.DiscussionError):
        world.post_reply(author=member)
    with pytest.raises(ModerationError):
        services.conduct_accept(user=member, version=2)
    services.conduct_accept(user=member, version=1)
    assert ConductAcceptance.objects.get(user=member).version == 1
    world.post_reply(author=member)
    services.conduct_publish(title="行動規範", body="改定しました")
    refusal = discussion_selectors.posting_refusal(user=member, section=world.section)
    assert "新しい版" in refusal and "第2版" in refusal
    services.conduct_accept(user=member, version=2)
    assert discussion_selectors.posting_refusal(user=member, section=world.section) is None
    assert AuditEntry.objects.filter(action="accept", actor=member).count() == 2


# --- Audit ------------------------------------------------------------------------------------


def test_audit_rows_cannot_be_changed_or_deleted(world):
    _report(world.members[1], world.reply)
    entry = AuditEntry.objects.get()
    entry.detail = "書き換え"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert AuditEntry.objects.get().detail != "書き換え"


def test_a_decision_reaches_the_author_and_the_reporters_inboxes_once(world):
    """Moderation's notices go through the notifications app too (one mechanism)."""
    from notifications import selectors as notification_selectors
    from notifications.models import Notification

    case = _hidden_case(world)
    services.case_decide(case_id=case.pk, actor=world.staff, decision="hide", note="個人情報")
    with pytest.raises(ModerationError):  # deciding twice changes nothing
        services.case_decide(case_id=case.pk, actor=world.staff, decision="hide", note="x")
    rows = Notification.objects.filter(kind="moderation_decision")
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted(
        [world.author.pk, *[m.pk for m in world.members[1:4]]]
    )
    assert notification_selectors.unread_count(world.author) >= 1
    assert "判断" in rows.get(recipient=world.author).text
