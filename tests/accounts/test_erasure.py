"""退庁 leaves no personal data behind (issue 9 item 2).

Two guards:
- every text-like field of every model is either declared personal by the app that owns
  it (`core.plugins.PersonalData`, erased on withdrawal) or listed below as harmless, so a
  new field cannot be forgotten (new apps extend NOT_PERSONAL or declare their fields);
- a member who touches every feature withdraws, and none of their strings is left
  anywhere in the database.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail as django_mail
from django.db import connection, models
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import AffiliationRecord, User
from broadcasts.models import Follow
from core import plugins
from discussions import services as discussion_services
from events import services as events_services
from events.models import CalendarFeed, Registration
from outbox import services as outbox_services
from outbox.models import OutgoingMail
from sections import services as sections_services
from sections.models import JoinRequest, SectionMembership
from tests.factories import (
    MeetingFactory,
    MemberFactory,
    ProgrammeFactory,
    SectionFactory,
    SectionMembershipFactory,
    StaffFactory,
    local_government,
)
from trainings import services as trainings_services

pytestmark = pytest.mark.django_db

# Fields that hold no person's data, with the reason. Everything else text-like must be
# declared by its app's PersonalData entry.
NOT_PERSONAL: dict[str, str] = {
    # Django and allauth internals
    "auth.Permission.name": "permission names",
    "auth.Permission.codename": "permission codes",
    "auth.Group.name": "staff role names",
    "contenttypes.ContentType.app_label": "model registry",
    "contenttypes.ContentType.model": "model registry",
    "sessions.Session.session_key": "random key",
    "sessions.Session.session_data": "signed ids; a withdrawn account cannot sign in",
    "account.EmailConfirmation.key": "random key, deleted with the address",
    "mfa.Authenticator.type": "a kind code",
    "admin.LogEntry.object_id": "a primary key",
    # search: the index row's codes (its texts are declared by search's PersonalData)
    "search.Document.kind": "a kind code",
    "search.Document.keys": "visibility codes (職種 codes, 'sections')",
    "search.Document.state": "solved / unsolved",
    "search.Document.url": "a path of ids and slugs",
    # Reference data and staff-written content
    "municipalities.Prefecture.code": "reference data",
    "municipalities.Prefecture.name": "reference data",
    "municipalities.LocalGovernment.code": "reference data",
    "municipalities.LocalGovernment.name": "reference data",
    "municipalities.LocalGovernment.name_kana": "reference data",
    "municipalities.LocalGovernment.kind": "reference data",
    "accounts.TrustedDomain.domain": "an employer's domain",
    "accounts.TrustedDomain.note": "staff note about a domain",
    "events.Event.kind": "a kind code",
    "events.Event.title": "a meeting or training, written by its organiser",
    "events.Event.description": "a meeting or training, written by its organiser",
    "events.Event.format": "a code",
    "events.Event.join_url": "the meeting room",
    "events.Event.place": "the venue",
    "events.Event.status": "a code",
    "events.Event.reminder_offsets": "numbers",
    "events.Registration.status": "a code",
    "events.Registration.token": "random key; the registration is no longer usable",
    "sections.Department.name": "reference data",
    "sections.Department.slug": "reference data",
    "sections.Section.name": "reference data",
    "sections.Section.slug": "reference data",
    "sections.Section.type": "a code",
    "sections.Section.description": "written by the section's heads about the section",
    "sections.Section.rules": "written by the section's heads about the section",
    "sections.Section.join_policy": "a code",
    "sections.Section.status": "a code",
    "sections.SectionMembership.role": "a code",
    "sections.JoinRequest.status": "a code",
    "sections.Invitation.status": "a code",
    "sections.Meeting.audience": "a code",
    "sections.MeetingSeries.repeat": "a code",
    "sections.MeetingSeries.weekdays": "codes",
    "sections.MeetingSeries.title": "a meeting series, written by its section's heads",
    "sections.MeetingSeries.description": "a meeting series, written by its section's heads",
    "sections.MeetingSeries.format": "a code",
    "sections.MeetingSeries.join_url": "the meeting room",
    "sections.MeetingSeries.place": "the venue",
    "sections.MeetingSeries.audience": "a code",
    "broadcasts.Programme.name": "staff-written",
    "broadcasts.Programme.slug": "staff-written",
    "broadcasts.Programme.description": "staff-written",
    "broadcasts.Programme.personalities": "public hosts of the broadcast",
    "broadcasts.Programme.weekdays": "numbers",
    "broadcasts.Episode.title": "staff-written",
    "broadcasts.Episode.personalities": "public hosts of the broadcast",
    "broadcasts.Episode.description": "staff-written",
    "broadcasts.Episode.live_url": "staff-written",
    "broadcasts.Episode.archive_url": "staff-written",
    "broadcasts.Guest.name": "a public guest, named with consent by staff",
    "broadcasts.Guest.affiliation": "a public guest, named with consent by staff",
    "broadcasts.Follow.mode": "a code (follows are deleted on withdrawal)",
    "broadcasts.Notice.kind": "a code",
    "trainings.Training.audience": "a code",
    "trainings.Training.audience_job_types": "codes",
    "trainings.Training.questions": "the organiser's questions",
    "trainings.Training.archive_url": "staff-written",
    "trainings.Training.archive_access": "a code",
    "trainings.Lecturer.name": "a public lecturer, named with consent by staff",
    "trainings.Lecturer.affiliation": "a public lecturer, named with consent by staff",
    "trainings.Lecturer.profile": "a public lecturer, named with consent by staff",
    "trainings.Material.title": "staff-written",
    "trainings.Material.file": "staff-uploaded",
    "trainings.Announcement.subject": "staff-written to all registrants",
    "trainings.Announcement.body": "staff-written to all registrants",
    # The outbox: every mail to the member is erased by outbox.mails_erase_for.
    "outbox.OutgoingMail.template": "a template name",
    "outbox.OutgoingMail.status": "a code",
    "outbox.OutgoingMail.dedupe_key": "ids only",
    "outbox.OutgoingMail.last_error": "the transport's error",
    "outbox.OutgoingMail.attachments": "calendar files of events (no personal data)",
    "accounts.User.status": "a code",
    "accounts.User.affiliation_type": "a code",
    "accounts.StatusChange.from_status": "a code",
    "accounts.StatusChange.to_status": "a code",
    "accounts.StatusChange.reason": "a code",
    "accounts.AffiliationRecord.affiliation_type": "a code",
    # discussions: codes (the texts are declared by discussions' PersonalData)
    "discussions.SectionSetting.reading": "a code",
    "discussions.Topic.kind": "a code",
    "discussions.Topic.hidden_reason": "a code",
    "discussions.Post.hidden_reason": "a code",
    "discussions.Attachment.kind": "a code",
    "discussions.Attachment.content_type": "a MIME type",
    "discussions.AnswerMark.action": "a code",
    # moderation: codes, staff-written rules, generated audit lines (the texts are
    # declared by moderation's PersonalData)
    "moderation.Case.kind": "a code",
    "moderation.Case.state": "a code",
    "moderation.Case.hidden_reason": "a code",
    "moderation.Case.decision": "a code",
    "moderation.Report.reason": "a code",
    "moderation.Penalty.kind": "a code",
    "moderation.CodeOfConduct.title": "staff-written rules",
    "moderation.CodeOfConduct.body": "staff-written rules",
    "moderation.AuditEntry.action": "a code",
    "moderation.AuditEntry.detail": "generated from codes, counts and dates only (no free text)",
    # renewals (年度更新): codes (the reported new affiliation is declared by renewals)
    "renewals.Renewal.state": "a code",
    "renewals.Renewal.choice": "a code",
    "renewals.Reminder.kind": "a code",
    "renewals.BodyChange.affiliation_type": "a code",
    # notifications: keys and codes (the member's rows are deleted on withdrawal)
    "notifications.Watch.channel": "a channel key (ids only)",
    "notifications.Watch.level": "a code",
    "notifications.Notification.kind": "a code",
    "notifications.Notification.group": "a key (ids only)",
    "notifications.Notification.scope": "a key (ids only)",
    "notifications.Preference.digest": "a code",
    "notifications.Preference.digest_period": "a period key",
    "notifications.Announcement.title": "staff-written to all members",
    "notifications.Announcement.body": "staff-written to all members",
    "notifications.Announcement.body_html": "staff-written to all members",
}
# Declared by outbox's PersonalData once its eraser lands with the outbox rework.
PENDING_OUTBOX = {
    f"outbox.OutgoingMail.{name}" for name in ("to_email", "context", "subject", "body", "headers")
}
TEXT_LIKE = (models.CharField, models.TextField, models.JSONField, models.FileField)


def _declared() -> set[str]:
    declared = set()
    for entry in plugins.personal_data():
        for label, names in entry.fields:
            declared.update(f"{label}.{name}" for name in names)
    return declared


def test_every_text_field_is_declared_personal_or_harmless():
    declared = _declared()
    undeclared = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_LIKE):
                continue
            key = f"{model._meta.label}.{field.name}"
            if key not in declared and key not in NOT_PERSONAL:
                undeclared.append(key)
    assert not undeclared, (
        "Declare these in the owning app's core.plugins.PersonalData (erased on 退庁), "
        f"or list them in NOT_PERSONAL with the reason: {undeclared}"
    )


def test_declared_fields_exist():
    for key in _declared():
        label, name = key.rsplit(".", 1)
        apps.get_model(label)._meta.get_field(name)


SECRETS = {
    "name": "消去確認 花子",
    "kana": "ショウキョカクニン ハナコ",
    "email": "erase.me@city.example.lg.jp",
    "work_email": "erase.work@town.example.lg.jp",
    "department": "秘匿部 消去課",
    "position": "消去係長",
    "old_body": "旧所属ひみつ機関",
    "introduction": "自己紹介ひみつの文章",
    "join_message": "参加理由ひみつの一言",
    "answer": "事前質問ひみつの回答",
    "report_text": "報告ひみつの詳細",
    "penalty_reason": "処分ひみつの理由",
    "renewal_email": "idou.himitsu@city.sapporo.lg.jp",
    "renewal_department": "年度更新ひみつ部署",
}


def _dump() -> str:
    """Every row of every table, as text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                parts.append(f"{table}: " + " | ".join(_text(cell) for cell in row))
    return "\n".join(parts)


def _text(cell) -> str:
    """A cell as text; JSON (stored with \\u escapes on SQLite) decoded first."""
    if isinstance(cell, str):
        try:
            return json.dumps(json.loads(cell), ensure_ascii=False)
        except ValueError:
            return cell
    if isinstance(cell, (dict, list)):
        return json.dumps(cell, ensure_ascii=False)
    return str(cell)


@pytest.fixture
def busy_member():
    """A member who has used every feature that stores something about them."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    staff = StaffFactory()
    member = MemberFactory(
        email=SECRETS["email"],
        full_name=SECRETS["name"],
        full_name_kana=SECRETS["kana"],
        work_email=SECRETS["work_email"],
        department=SECRETS["department"],
        position=SECRETS["position"],
        introduction=SECRETS["introduction"],
        affiliation_type="other",
        local_government=None,
        other_body=SECRETS["old_body"],
    )
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    Authenticator.objects.create(user=member, type="totp", data={"secret": "JBSWY3DPEHPK3PXP"})
    AffiliationRecord.objects.create(
        user=member,
        affiliation_type="other",
        other_body=SECRETS["old_body"],
        department=SECRETS["department"],
        position=SECRETS["position"],
        started_on="2024-04-01",
        verified_at=timezone.now(),
    )
    # 異動: a new affiliation (its audit row describes the old one).
    accounts_services.profile_update(
        user=member,
        data={
            "affiliation_type": "local_government",
            "local_government": local_government("011002"),
            "other_body": "",
        },
    )
    # The admin's change log names the member.
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(member.pk),
        object_repr=SECRETS["name"],
        action_flag=CHANGE,
        change_message=f"{SECRETS['name']} を確認",
    )
    # Sections: an open one joined, a pending request with a message.
    open_section = SectionFactory()
    sections_services.section_join(section_id=open_section.pk, user=member)
    approval = SectionFactory(join_policy="approval")
    SectionMembershipFactory(section=approval, role="head")
    sections_services.join_request_create(
        section_id=approval.pk, user=member, message=SECRETS["join_message"]
    )
    # A meeting seat, a training with an answer, a follow, a calendar feed.
    meeting = MeetingFactory(section=open_section)
    events_services.registration_rsvp(event_id=meeting.event.pk, user=member, going=True)
    start = timezone.now() + timezone.timedelta(days=10)
    training = trainings_services.training_create(
        title="条例づくり研修",
        starts_at=start,
        ends_at=start + timezone.timedelta(hours=2),
        questions=["聞きたいことは？"],
        application_opens_at=timezone.now() - timezone.timedelta(days=1),
    )
    trainings_services.training_apply(
        training_id=training.pk, user=member, answers={"0": SECRETS["answer"]}
    )
    Follow.objects.create(user=member, programme=ProgrammeFactory())
    # Discussions: a question signed with the name, a reply mentioning a colleague who
    # mentions the member back; the posts stay, 「退庁した会員」, nothing else of them.
    colleague = SectionMembershipFactory(section=open_section).user
    question = discussion_services.topic_create(
        section_id=open_section.pk,
        author=member,
        kind="question",
        title="予約の受け方",
        body=f"{SECRETS['name']}です。{SECRETS['work_email']} までご連絡ください。",
    ).post
    discussion_services.reply_create(
        topic_id=question.topic_id, author=colleague, body=f"@[{SECRETS['name']}] さん、電話です。"
    )
    discussion_services.reply_create(
        topic_id=question.topic_id,
        author=member,
        body="ありがとうございます。",
    )
    # Notifications: the member's inbox (the mention above), levels and mail settings;
    # the colleague's inbox names the member as the one who replied.
    from notifications import services as notification_services
    from notifications.models import Notification

    notification_services.watch_set(user=member, channel=f"topic:{question.topic_id}", level="mute")
    notification_services.preference_update(user=member, digest="daily", mention=False)
    assert Notification.objects.filter(recipient=member).exists()
    assert Notification.objects.filter(actor=member).exists()
    events_services.calendar_feed_get_or_create(user=member)
    # Moderation: the member reports a colleague's reply (その他, with text); their own
    # question is reported, redacted by staff (the original kept for staff) and they are
    # silenced with a reason.
    from moderation import services as moderation_services

    colleague_reply = discussion_services.reply_create(
        topic_id=question.topic_id, author=colleague, body="宣伝です"
    ).post
    moderation_services.report_create(
        reporter=member, post_id=colleague_reply.pk, reason="other", text=SECRETS["report_text"]
    )
    case = moderation_services.report_create(
        reporter=colleague, post_id=question.pk, reason="personal"
    ).case
    moderation_services.case_decide(
        case_id=case.pk, actor=staff, decision="redact", note="連絡先を伏せました",
        redacted_body="【事務局が一部を伏せました】",
    )  # fmt: skip
    moderation_services.penalty_create(
        actor=staff, user_id=member.pk, kind="silence", reason=SECRETS["penalty_reason"],
        ends_at=timezone.now() + timezone.timedelta(days=3),
    )  # fmt: skip
    # 年度更新: a change of body reported, its address link not yet opened.
    from renewals import services as renewal_services
    from renewals.models import Renewal

    today = timezone.localdate()
    cycle = renewal_services.cycle_create(
        fiscal_year=today.year,
        opens_on=today - timezone.timedelta(days=3),
        due_on=today + timezone.timedelta(days=20),
        grace_until=today + timezone.timedelta(days=50),
        actor=None,
    )
    Renewal.objects.create(cycle=cycle, user=member)
    Cycle = type(cycle)
    Cycle.objects.filter(pk=cycle.pk).update(opened_at=timezone.now())
    renewal_services.selectors.forget()
    renewal_services.renewal_confirm(
        user=User.objects.get(pk=member.pk),
        choice="moved_body",
        data={
            "affiliation_type": "local_government",
            "local_government": local_government("131016"),
            "department": SECRETS["renewal_department"],
            "work_email": SECRETS["renewal_email"],
        },
    )
    member.refresh_from_db()
    return member, approval


def test_withdrawal_leaves_none_of_the_members_strings_in_the_database(busy_member):
    member, _ = busy_member
    before = _dump()
    missing = {key for key, value in SECRETS.items() if value not in before}
    assert not missing, f"the fixture should have stored these: {missing}"
    accounts_services.member_withdraw(user_id=member.pk, actor=member)
    # The farewell (退庁) mail is the one row that still names them, until it is sent.
    farewell = OutgoingMail.objects.get(template="vetting_withdrawn")
    assert farewell.erase_after_send and farewell.to_email == SECRETS["email"]
    assert outbox_services.mails_deliver_due() >= 1
    assert [m.to for m in django_mail.outbox if "退庁" in m.subject] == [[SECRETS["email"]]]
    farewell.refresh_from_db()
    assert farewell.status == "sent" and farewell.to_email == "" and farewell.body == ""
    after = _dump()
    left = {key: value for key, value in SECRETS.items() if value in after}

    assert not left, f"still in the database after 退庁: {left}"


def test_withdrawal_empties_the_members_notifications(busy_member):
    from notifications.models import Notification, Preference, Watch

    member, _ = busy_member
    accounts_services.member_withdraw(user_id=member.pk, actor=member)
    assert not Notification.objects.filter(recipient=member).exists()
    assert not Notification.objects.filter(actor=member).exists()
    assert not Watch.objects.filter(user=member).exists()
    assert not Preference.objects.filter(user=member).exists()


def test_withdrawal_ends_memberships_and_requests_and_keeps_the_audit_facts(busy_member):
    member, _ = busy_member
    accounts_services.member_withdraw(user_id=member.pk, actor=member)
    member.refresh_from_db()
    assert member.status == User.Status.WITHDRAWN and member.approved_at is not None
    assert member.display_name == "退庁した会員"
    assert not SectionMembership.objects.filter(user=member).exists()
    request = JoinRequest.objects.get(user=member)
    assert request.status == JoinRequest.Status.WITHDRAWN and request.message == ""
    assert all(not r.answers for r in Registration.objects.filter(user=member))
    assert Registration.objects.filter(
        user=member, status=Registration.Status.CANCELLED
    ).count() == (2)
    assert not CalendarFeed.objects.filter(user=member).exists()
    assert not Follow.objects.filter(user=member).exists()
    # The affiliation periods keep only their dates.
    records = list(AffiliationRecord.objects.filter(user=member))
    assert records and all(r.started_on and not r.department for r in records)


def test_a_head_cannot_accept_a_withdrawn_members_request(busy_member):
    member, approval = busy_member
    request = JoinRequest.objects.get(user=member)
    head = SectionMembership.objects.get(section=approval, role="head").user
    # Withdrawn between the request and the decision: the request is withdrawn with them,
    # and deciding it afterwards changes nothing.
    accounts_services.member_withdraw(user_id=member.pk, actor=member)
    sections_services.join_request_decide(request_id=request.pk, actor=head, accept=True)
    assert not SectionMembership.objects.filter(user=member).exists()
