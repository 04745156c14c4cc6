import threading

import pytest
from django.core import mail
from django.db import connection

from accounts import services
from accounts.models import AffiliationRecord, StatusChange, TrustedDomain, User
from outbox.models import OutgoingMail
from tests.factories import (
    ApplicantFactory,
    MemberFactory,
    StaffFactory,
    UserFactory,
    local_government,
)

pytestmark = pytest.mark.django_db
S = User.Status

APPLICATION = {
    "full_name": "横糸 花子",
    "full_name_kana": "ヨコイト ハナコ",
    "affiliation_type": "local_government",
    "local_government": None,  # filled in per test
    "ministry": "",
    "other_body": "",
    "department": "企画部 企画課",
    "position": "主任",
    "job_type": "general",
    "work_email": "",
    "introduction": "よろしくお願いします。",
}


def application(**overrides):
    return {**APPLICATION, "local_government": local_government("011002"), **overrides}


def mails_to(user, template):
    return OutgoingMail.objects.filter(to_email=user.email, template=template)


def test_email_verification_moves_unverified_to_draft():
    user = UserFactory(status=S.UNVERIFIED)
    services.account_email_verified(user_id=user.pk)
    user.refresh_from_db()
    assert user.status == S.DRAFT
    assert user.status_changes.get().to_status == S.DRAFT


def test_submit_records_answers_audit_and_mail(django_capture_on_commit_callbacks):
    user = UserFactory(status=S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_save(user=user, data=application())
    user.refresh_from_db()
    assert user.status == S.SUBMITTED
    assert user.submitted_at and user.rules_agreed_at
    assert user.local_government.code == "011002"
    change = user.status_changes.get()
    assert (change.from_status, change.to_status, change.actor) == (S.DRAFT, S.SUBMITTED, user)
    assert mails_to(user, "vetting_submitted").count() == 1


def test_applicant_can_edit_while_waiting_without_a_new_transition():
    user = ApplicantFactory()
    services.application_save(user=user, data=application(department="新しい部署"))
    user.refresh_from_db()
    assert user.status == S.SUBMITTED and user.department == "新しい部署"
    assert user.status_changes.count() == 0


@pytest.mark.parametrize("status", [S.APPROVED, S.REJECTED, S.SUSPENDED, S.UNVERIFIED])
def test_application_cannot_be_saved_in_other_states(status):
    user = UserFactory(status=status)
    with pytest.raises(services.TransitionError):
        services.application_save(user=user, data=application())
    user.refresh_from_db()
    assert user.full_name != "横糸 花子"


def test_approve_sends_one_mail_and_records_who(django_capture_on_commit_callbacks):
    staff, user = StaffFactory(), ApplicantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(user_id=user.pk, actor=staff)
    user.refresh_from_db()
    assert user.status == S.APPROVED and user.approved_at
    change = user.status_changes.get()
    assert (change.from_status, change.to_status, change.actor) == (S.SUBMITTED, S.APPROVED, staff)
    assert mails_to(user, "vetting_approved").count() == 1
    record = AffiliationRecord.objects.get(user=user)
    assert record.verified_by == staff


def test_approving_twice_fails_the_second_time_with_one_mail():
    staff, user = StaffFactory(), ApplicantFactory()
    services.application_approve(user_id=user.pk, actor=staff)
    with pytest.raises(services.TransitionError, match="入庁"):
        services.application_approve(user_id=user.pk, actor=staff)
    assert mails_to(user, "vetting_approved").count() == 1
    assert StatusChange.objects.filter(user=user, to_status=S.APPROVED).count() == 1


def test_reject_requires_a_known_reason_and_tells_the_applicant():
    staff, user = StaffFactory(), ApplicantFactory()
    with pytest.raises(services.TransitionError):
        services.application_reject(user_id=user.pk, actor=staff, reason="bogus")
    services.application_reject(
        user_id=user.pk, actor=staff, reason="unverifiable", message="名簿で確認できません"
    )
    user.refresh_from_db()
    assert user.status == S.REJECTED
    assert "ご所属を確認できませんでした" in user.status_message
    mail_row = mails_to(user, "vetting_rejected").get()
    assert "名簿で確認できません" in mail_row.body
    assert user.status_changes.get().reason == "unverifiable"


def test_needs_info_then_resubmit_then_approve():
    staff, user = StaffFactory(), ApplicantFactory()
    with pytest.raises(services.TransitionError):
        services.application_request_info(user_id=user.pk, actor=staff, message="  ")
    services.application_request_info(user_id=user.pk, actor=staff, message="部署名を正式に")
    user.refresh_from_db()
    assert user.status == S.NEEDS_INFO and user.status_message == "部署名を正式に"
    assert "部署名を正式に" in mails_to(user, "vetting_needs_info").get().body
    services.application_save(user=user, data=application(department="企画部 企画調整課"))
    user.refresh_from_db()
    assert user.status == S.SUBMITTED and user.status_message == ""
    services.application_approve(user_id=user.pk, actor=staff)
    user.refresh_from_db()
    assert [(c.from_status, c.to_status) for c in user.status_changes.all()] == [
        (S.SUBMITTED, S.NEEDS_INFO),
        (S.NEEDS_INFO, S.SUBMITTED),
        (S.SUBMITTED, S.APPROVED),
    ]


def test_suspend_and_reinstate():
    staff, member = StaffFactory(), MemberFactory()
    services.member_suspend(user_id=member.pk, actor=staff, reason="conduct", message="注意")
    member.refresh_from_db()
    assert member.status == S.SUSPENDED and not member.is_member
    assert "行動規範" in member.status_message
    assert mails_to(member, "vetting_suspended").count() == 1
    services.member_reinstate(user_id=member.pk, actor=staff)
    member.refresh_from_db()
    assert member.status == S.APPROVED and member.is_member
    assert mails_to(member, "vetting_reinstated").count() == 1
    with pytest.raises(services.TransitionError):
        services.member_reinstate(user_id=member.pk, actor=staff)


def test_withdraw_erases_personal_data_and_blocks_login(client):
    member = MemberFactory(full_name="消える 人", introduction="秘密", work_email="w@x.lg.jp")
    old_email = member.email
    services.member_withdraw(user_id=member.pk, actor=member)
    member.refresh_from_db()
    assert member.status == S.WITHDRAWN and not member.is_active
    assert member.full_name == "" and member.display_name == "退庁した会員"
    assert old_email not in member.email and member.introduction == "" and member.work_email == ""
    assert not member.has_usable_password()
    assert OutgoingMail.objects.filter(to_email=old_email, template="vetting_withdrawn").exists()
    assert not client.login(email=old_email, password="pass-1234-word")


def test_profile_affiliation_change_keeps_member_active_and_flags_review():
    staff, member = StaffFactory(), MemberFactory()
    AffiliationRecord.objects.create(
        user=member,
        affiliation_type="local_government",
        local_government=member.local_government,
        department=member.department,
        started_on="2024-04-01",
    )
    services.profile_update(
        user=member,
        data={"affiliation_type": "ministry", "ministry": "総務省", "department": "自治行政局"},
    )
    member.refresh_from_db()
    assert member.is_member and member.affiliation_review_pending
    assert member.local_government is None and member.ministry == "総務省"
    history = list(AffiliationRecord.objects.filter(user=member).order_by("started_on", "id"))
    assert len(history) == 2 and history[0].ended_on is not None and history[1].ended_on is None
    assert member.status_changes.filter(reason="affiliation_changed").exists()
    services.affiliation_verify(user_id=member.pk, actor=staff)
    member.refresh_from_db()
    assert not member.affiliation_review_pending
    assert AffiliationRecord.objects.get(user=member, ended_on__isnull=True).verified_by == staff


def test_trusted_domain_suffix_matching():
    chiyoda = local_government("131016")
    TrustedDomain.objects.create(domain="lg.jp")
    TrustedDomain.objects.create(domain="city.chiyoda.lg.jp", local_government=chiyoda)
    assert services.trusted_domain_for("a@city.chiyoda.lg.jp").local_government == chiyoda
    assert services.trusted_domain_for("a@pref.hokkaido.lg.jp").domain == "lg.jp"
    assert services.trusted_domain_for("a@notlg.jp") is None
    assert services.trusted_domain_for("a@example.com") is None


def test_auto_approval_is_off_by_default_and_works_when_on(settings):
    TrustedDomain.objects.create(domain="lg.jp")
    user = UserFactory(status=S.DRAFT, email="x@city.sapporo.lg.jp")
    services.application_save(user=user, data=application())
    user.refresh_from_db()
    assert user.status == S.SUBMITTED
    settings.VETTING_AUTO_APPROVE_TRUSTED = True
    other = UserFactory(status=S.DRAFT, email="y@city.sapporo.lg.jp")
    services.application_save(user=other, data=application())
    other.refresh_from_db()
    assert other.status == S.APPROVED
    assert other.status_changes.last().reason == "auto_trusted_domain"
    outsider = UserFactory(status=S.DRAFT, email="z@gmail.example")
    services.application_save(user=outsider, data=application())
    outsider.refresh_from_db()
    assert outsider.status == S.SUBMITTED


def test_overdue_digest_lists_old_applications_once_a_day(settings):
    from django.utils import timezone

    StaffFactory(email="boss@yokoito.example")
    old = ApplicantFactory(submitted_at=timezone.now() - timezone.timedelta(hours=50))
    ApplicantFactory(submitted_at=timezone.now() - timezone.timedelta(hours=2))
    assert services.applications_overdue_notify() == 1
    assert services.applications_overdue_notify() == 0  # second beat: nothing new
    row = OutgoingMail.objects.get(template="vetting_overdue")
    assert old.email in row.body and row.to_email == "boss@yokoito.example"
    assert row.body.count("時間待ち") == 1


def test_overdue_digest_sends_nothing_when_nothing_waits():
    StaffFactory()
    ApplicantFactory()
    assert services.applications_overdue_notify() == 0
    assert not OutgoingMail.objects.filter(template="vetting_overdue").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_approval_gives_one_approval_and_one_mail(postgres, local_governments):
    staff_a, staff_b = StaffFactory(), StaffFactory()
    user = ApplicantFactory()
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(staff):
        barrier.wait()
        try:
            services.application_approve(user_id=user.pk, actor=staff)
            outcomes.append("approved")
        except services.TransitionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(s,)) for s in (staff_a, staff_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "refused"]
    assert (
        OutgoingMail.objects.filter(template="vetting_approved", to_email=user.email).count() == 1
    )
    assert StatusChange.objects.filter(user=user, to_status=S.APPROVED).count() == 1
    assert len(mail.outbox) <= 1


def test_withdrawal_cancels_future_registrations_and_promotes_the_waitlist():
    import datetime as dt

    from django.utils import timezone

    from events.models import Registration
    from trainings import services as trainings

    starts = timezone.now() + dt.timedelta(days=10)
    training = trainings.training_create(
        title="研修", starts_at=starts, ends_at=starts + dt.timedelta(hours=1), capacity=1
    )
    past_start = timezone.now() - dt.timedelta(days=3)
    past = trainings.training_create(
        title="過去の研修", starts_at=past_start, ends_at=past_start + dt.timedelta(hours=1)
    )
    leaving, waiting = MemberFactory(), MemberFactory()
    trainings.training_apply(training_id=training.pk, user=leaving)
    trainings.training_apply(training_id=training.pk, user=waiting)
    Registration.objects.create(event=past.event, user=leaving, status=Registration.Status.GOING)
    services.member_withdraw(user_id=leaving.pk, actor=leaving)
    assert Registration.objects.get(event=training.event, user=leaving).status == "cancelled"
    assert Registration.objects.get(event=training.event, user=waiting).status == "going"
    assert Registration.objects.get(event=past.event, user=leaving).status == "going"  # history
