"""One object of every model the admin shows, and the staff accounts that look at them.

Shared by the admin crawl (tests/core/test_admin_japanese.py) and the permission tests
(tests/core/test_admin_permissions.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts import services as account_services
from accounts.models import TrustedDomain, User
from discussions import services as discussion_services
from events import services as event_services
from outbox.models import OutgoingMail
from sections import series_services
from sections import services as section_services
from sections.models import SectionMembership
from tests.factories import (
    ApplicantFactory,
    EpisodeFactory,
    FollowFactory,
    GuestFactory,
    MemberFactory,
    ProgrammeFactory,
    SectionFactory,
    StaffFactory,
    local_government,
)
from trainings import services as training_services
from trainings.models import Material


@dataclass
class AdminWorld:
    superuser: User
    objects: dict = field(default_factory=dict)

    @property
    def request(self):
        return _Request(self.superuser)


class _Request:
    """Just enough of a request for ModelAdmin.get_queryset / has_add_permission."""

    def __init__(self, user):
        self.user = user


def staff(*groups: str, **fields) -> User:
    """A staff account (not a superuser) in the given role groups."""
    user = MemberFactory(is_staff=True, is_superuser=False, **fields)
    if groups:
        user.groups.set(Group.objects.filter(name__in=groups))
    return user


def admin_world() -> AdminWorld:
    now = timezone.now()
    superuser = StaffFactory(full_name="事務局 長")
    w = AdminWorld(superuser=superuser)
    o = w.objects
    o["applicant"] = ApplicantFactory(full_name="申請 一郎")
    o["applicant_2"] = ApplicantFactory(full_name="申請 二郎")
    o["needs_info"] = ApplicantFactory(full_name="差戻 三郎", status=User.Status.NEEDS_INFO)
    o["member"] = MemberFactory(full_name="会員 花子")
    o["suspended"] = MemberFactory(full_name="停止 次郎", status=User.Status.SUSPENDED)
    moved = MemberFactory(full_name="異動 五郎")
    account_services.profile_update(
        user=moved, data={"local_government": local_government("011002")}
    )
    o["moved"] = User.objects.get(pk=moved.pk)
    approved = ApplicantFactory(full_name="承認 済子")
    account_services.application_approve(user_id=approved.pk, actor=superuser)
    o["approved"] = approved
    o["domain"] = TrustedDomain.objects.create(
        domain="city.chiyoda.lg.jp", local_government=local_government(), note="千代田区"
    )
    EmailAddress.objects.create(user=superuser, email=superuser.email, verified=True, primary=True)
    Authenticator.objects.create(user=superuser, type=Authenticator.Type.TOTP, data={})

    # Sections: a head, a member, a join request, an invitation, a meeting with a seat.
    head, other = o["member"], MemberFactory(full_name="別課 六郎")
    section = SectionFactory(join_policy="approval")
    invite_only = SectionFactory(join_policy="invite")
    o["section"] = section
    SectionMembership.objects.create(section=section, user=head, role="head")
    o["membership"] = SectionMembership.objects.create(
        section=section, user=o["moved"], role="member"
    )
    SectionMembership.objects.create(section=invite_only, user=head, role="head")
    o["join_request"] = section_services.join_request_create(
        section_id=section.pk, user=other, message="参加させてください"
    )
    o["invitation"] = section_services.invitation_create(
        section_id=invite_only.pk, actor=head, user=other
    )
    starts = now + dt.timedelta(days=3)
    o["meeting"] = section_services.meeting_create(
        section_id=section.pk,
        actor=head,
        title="課の会",
        format="online",
        join_url="https://meet.example.jp/a",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
    )
    event_services.registration_rsvp(event_id=o["meeting"].event_id, user=head, going=True)
    o["series"] = series_services.series_create(
        section_id=section.pk,
        actor=head,
        title="定例会",
        repeat="weekly",
        weekdays=["SA"],
        starts_on=timezone.localdate() + dt.timedelta(days=1),
        ends_on=timezone.localdate() + dt.timedelta(days=60),
        start_time=dt.time(21, 0),
        format="online",
        join_url="https://meet.example.jp/s",
    )
    series_services.series_join(series_id=o["series"].pk, user=head)

    # Notifications: a published お知らせ (in every member's inbox).
    from notifications import services as notification_services

    o["announcement"] = notification_services.announcement_publish(
        actor=superuser, title="メンテナンスのお知らせ", body="本日21時から"
    )

    # Discussions: a question answered and marked, a reading setting, notes with a 書記,
    # and a 参考Q&A entry made from the question.
    question = discussion_services.topic_create(
        section_id=section.pk,
        author=o["moved"],
        kind="question",
        title="窓口の予約は？",
        body="どうしていますか。",
        tags="予約",
    ).post
    answer = discussion_services.reply_create(
        topic_id=question.topic_id, author=head, body="電話と Web の両方です。"
    ).post
    discussion_services.answer_mark(topic_id=question.topic_id, post_id=answer.pk, actor=head)
    discussion_services.section_reading_set(section_id=section.pk, actor=head, reading="members")
    discussion_services.meeting_scribe_set(
        meeting_id=o["meeting"].pk, actor=head, user_id=o["moved"].pk
    )
    o["post"], o["topic"] = answer, answer.topic
    o["entry"] = discussion_services.entry_create(
        section_id=section.pk,
        actor=head,
        title="予約の受け方",
        question="どうする？",
        answer="電話と Web。",
        tags="予約",
        source_topic_ids=[question.topic_id],
    )
    o["feed"] = event_services.calendar_feed_get_or_create(user=head)

    # Moderation: the answer reported (a case, its report, audit rows), a 投稿停止, the
    # 行動規範 accepted.
    from moderation import services as moderation_services

    o["case"] = moderation_services.report_create(
        reporter=MemberFactory(full_name="報告 六郎"),
        post_id=answer.pk,
        reason="other",
        text="確認してください",
    ).case
    o["penalty"] = moderation_services.penalty_create(
        actor=superuser, user_id=o["moved"].pk, kind="silence", reason="テスト",
        ends_at=now + dt.timedelta(days=3),
    )  # fmt: skip
    moderation_services.conduct_publish(title="横糸 行動規範", body="守ってください")
    moderation_services.conduct_accept(user=o["moved"], version=1)

    # A training with a registrant, its material and lecturer, and an orientation.
    t_starts = now + dt.timedelta(days=10)
    training = training_services.training_create(
        title="研修",
        starts_at=t_starts,
        ends_at=t_starts + dt.timedelta(hours=1),
        join_url="https://meet.example.jp/t",
        application_opens_at=now - dt.timedelta(days=1),
        questions=["聞きたいこと"],
        lecturers=[{"name": "講師 一子", "affiliation": "横浜市"}],
    )
    o["training"] = training
    o["training_registration"] = training_services.training_apply(
        training_id=training.pk, user=head, answers={"0": "ぜひ"}
    ).registration
    material = Material(training=training, title="資料")
    material.file.save("slides.txt", ContentFile(b"slides"), save=False)
    material.save()
    training_services.orientations_generate(weeks=1, now=now)

    # Broadcasts.
    programme = ProgrammeFactory()
    o["programme"] = programme
    o["episode"] = EpisodeFactory(programme=programme)
    GuestFactory(episode=o["episode"])
    o["follow"] = FollowFactory(user=head, programme=programme)

    # Outbox: a mail given up after an SMTP outage (staff may 再送 it).
    o["failed_mail"] = OutgoingMail.objects.create(
        to_email=head.email,
        recipient=head,
        template="events_reminder",
        subject="[横糸] 失敗したメール",
        body="本文",
        status=OutgoingMail.Status.FAILED,
        attempts=12,
        last_error="ConnectionRefusedError: simulated",
    )
    # 年度更新: a running cycle, its members settled, one answer of each kind and a
    # change of body waiting for review.
    from renewals import services as renewal_services

    today = timezone.localdate()
    cycle = renewal_services.cycle_create(
        fiscal_year=today.year,
        opens_on=today - dt.timedelta(days=5),
        due_on=today + dt.timedelta(days=20),
        grace_until=today + dt.timedelta(days=50),
        actor=superuser,
    )
    renewal_services.cycle_open(cycle_id=cycle.pk, approved_before=timezone.now())
    renewal_services.reminders_send()
    mover = MemberFactory(full_name="転出 七子")
    # The mover was approved after the cut-off; give them a renewal by hand.
    from renewals.models import Renewal

    renewal = Renewal.objects.create(cycle=cycle, user=mover)
    change = renewal_services.renewal_confirm(
        user=mover,
        choice="moved_body",
        data={
            "affiliation_type": "local_government",
            "local_government": local_government("011002"),
            "department": "市民文化局",
            "work_email": "nanako@city.sapporo.lg.jp",
        },
    ).change
    renewal_services.body_change_verify(user=mover, token=change.token)
    o["cycle"], o["renewal"], o["body_change"] = cycle, renewal, change
    return w


def custom_admin_pages(w: AdminWorld) -> list[tuple[str, str, dict | None]]:
    """The staff-facing pages of our own admin views: forms and intermediate pages."""
    o = w.objects
    applicant, member, training = o["applicant"], o["member"], o["training"]
    pages: list[tuple[str, str, dict | None]] = [
        ("GET", f"/admin/accounts/application/{applicant.pk}/reject/", None),
        ("GET", f"/admin/accounts/application/{applicant.pk}/request_info/", None),
        ("GET", f"/admin/accounts/user/{member.pk}/suspend/", None),
        ("GET", f"/admin/trainings/training/{training.pk}/registrants/", None),
        ("GET", f"/admin/broadcasts/programme/{o['programme'].pk}/generate/", None),
        ("GET", f"/admin/renewals/cycle/{o['cycle'].pk}/dashboard/", None),
        ("GET", "/admin/accounts/application/?state=all", None),
    ]
    for url, action, pk in (
        ("/admin/accounts/application/", "action_reject", applicant.pk),
        ("/admin/accounts/application/", "action_request_info", applicant.pk),
        ("/admin/accounts/user/", "action_suspend", member.pk),
        ("/admin/broadcasts/programme/", "generate_episodes", o["programme"].pk),
    ):
        pages.append(("POST", url, {"action": action, "_selected_action": [pk]}))
    return pages
