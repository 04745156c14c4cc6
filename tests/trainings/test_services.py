import datetime as dt

import pytest
from django.utils import timezone

from events.models import Registration
from events.services import RegistrationError
from outbox.models import OutgoingMail
from sections.models import Department, Section, SectionMembership
from tests.factories import ApplicantFactory, MemberFactory, StaffFactory
from tests.trainings.helpers import make_training
from trainings import services
from trainings.models import Training

pytestmark = pytest.mark.django_db
S = Registration.Status


def test_create_uses_the_shared_event_with_defaults():
    training = make_training(lecturers=[{"name": "講師 一郎", "affiliation": "大学"}])
    event = training.event
    assert event.kind == "training"
    assert event.rsvp_deadline == event.starts_at - dt.timedelta(days=2)
    assert event.reminder_offsets == [1440, 60]
    assert training.lecturers.get().name == "講師 一郎"


def test_apply_confirms_and_mails_the_personal_link_and_ics():
    training = make_training(questions=["聞きたいこと"])
    member = MemberFactory()
    result = services.training_apply(training_id=training.pk, user=member, answers={"0": "予算"})
    assert result.outcome == S.GOING
    assert result.registration.answers == {"0": "予算"}
    mail = OutgoingMail.objects.get(to_email=member.email, template="events_confirmed")
    assert f"/events/go/{result.registration.token}/" in mail.body
    assert "secret-room" not in mail.body  # only the personal redirect, never the raw URL
    assert mail.attachments[0]["filename"].endswith(".ics")
    assert len(result.registration.token) >= 43  # ≥ 128 bits, url-safe


def test_applying_twice_changes_nothing():
    training = make_training()
    member = MemberFactory()
    services.training_apply(training_id=training.pk, user=member)
    assert services.training_apply(training_id=training.pk, user=member).outcome == "unchanged"
    assert Registration.objects.filter(event=training.event).count() == 1


def test_outside_the_window_is_refused():
    member = MemberFactory()
    early = make_training(application_opens_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(RegistrationError, match="受付は"):
        services.training_apply(training_id=early.pk, user=member)
    late = make_training(days=1)  # closes two days before the start: already closed
    with pytest.raises(RegistrationError, match="締め切りました"):
        services.training_apply(training_id=late.pk, user=member)
    assert not Registration.objects.exists()


def test_capacity_waitlist_and_promotion_on_cancel():
    training = make_training(capacity=1)
    first, second = MemberFactory(), MemberFactory()
    assert services.training_apply(training_id=training.pk, user=first).outcome == S.GOING
    assert services.training_apply(training_id=training.pk, user=second).outcome == S.WAITLISTED
    services.training_cancel(training_id=training.pk, user=first)
    reg = Registration.objects.get(event=training.event, user=second)
    assert reg.status == S.GOING
    assert OutgoingMail.objects.filter(to_email=second.email, template="events_promoted").exists()


def test_cancel_is_possible_until_the_start_only():
    training = make_training(days=3)
    member = MemberFactory()
    services.training_apply(training_id=training.pk, user=member)
    later = training.event.starts_at + dt.timedelta(minutes=1)
    with pytest.raises(RegistrationError):
        services.training_cancel(training_id=training.pk, user=member, now=later)
    assert services.training_cancel(training_id=training.pk, user=member).outcome == S.CANCELLED


def test_section_audience_is_enforced():
    dept = Department.objects.create(name="テスト部", slug="test-dept")
    section = Section.objects.create(name="テスト課", slug="test-sec", department=dept)
    training = make_training(audience=Training.Audience.SECTIONS, audience_sections=[section])
    outsider, insider = MemberFactory(), MemberFactory()
    SectionMembership.objects.create(section=section, user=insider)
    with pytest.raises(RegistrationError, match="テスト課"):
        services.training_apply(training_id=training.pk, user=outsider)
    assert services.training_apply(training_id=training.pk, user=insider).outcome == S.GOING


def test_job_type_audience_is_enforced():
    training = make_training(
        audience=Training.Audience.JOB_TYPES, audience_job_types=["public_health_nurse"]
    )
    with pytest.raises(RegistrationError, match="職種"):
        services.training_apply(training_id=training.pk, user=MemberFactory(job_type="general"))
    nurse = MemberFactory(job_type="public_health_nurse")
    assert services.training_apply(training_id=training.pk, user=nurse).outcome == S.GOING


def test_applicants_under_review_may_apply_only_to_the_orientation():
    services.orientations_generate(weeks=2)
    orientation = Training.objects.filter(is_orientation=True).first()
    training = make_training()
    applicant = ApplicantFactory()
    assert services.training_apply(training_id=orientation.pk, user=applicant).outcome == S.GOING
    with pytest.raises(RegistrationError, match=r"見つかりません|入庁済み"):
        services.training_apply(training_id=training.pk, user=applicant)


def test_orientation_generation_is_idempotent_and_on_fridays():
    now = timezone.now()
    first = services.orientations_generate(weeks=4, now=now)
    assert first in (3, 4)  # this Friday's may already have started
    assert services.orientations_generate(weeks=4, now=now) == 0
    for t in Training.objects.filter(is_orientation=True).select_related("event"):
        start = timezone.localtime(t.event.starts_at)
        assert start.weekday() == 4 and (start.hour, start.minute) == (19, 30)


def test_announcement_goes_to_everyone_registered_once():
    training = make_training(capacity=1)
    going, waiting, cancelled = MemberFactory(), MemberFactory(), MemberFactory()
    services.training_apply(training_id=training.pk, user=going)
    services.training_apply(training_id=training.pk, user=waiting)
    services.training_apply(training_id=training.pk, user=cancelled)
    services.training_cancel(training_id=training.pk, user=cancelled)
    staff = StaffFactory()
    with pytest.raises(RegistrationError):
        services.announcement_send(training_id=training.pk, subject=" ", body="x", sender=staff)
    sent = services.announcement_send(
        training_id=training.pk, subject="資料のご案内", body="事前資料を公開しました", sender=staff
    )
    rows = OutgoingMail.objects.filter(template="trainings_announcement")
    assert sent.recipients == 2 == rows.count()
    assert {r.to_email for r in rows} == {going.email, waiting.email}
