import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from events import services as events
from events.models import Registration
from events.services import RegistrationError
from outbox.models import OutgoingMail
from sections.models import Department, Section, SectionMembership
from tests.factories import ApplicantFactory, MemberFactory, StaffFactory
from trainings import selectors, services
from trainings.models import Material, Training

pytestmark = pytest.mark.django_db
S = Registration.Status


def make_training(days=10, **kw):
    starts = timezone.now() + dt.timedelta(days=days)
    defaults = {
        "title": "研修テスト",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=1),
        "join_url": "https://meet.example.jp/secret-room",
        "application_opens_at": timezone.now() - dt.timedelta(days=1),
    }
    return services.training_create(**{**defaults, **kw})


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


def test_attendance_is_prefilled_from_personal_link_clicks(client):
    training = make_training()
    clicker, absent = MemberFactory(), MemberFactory()
    reg = services.training_apply(training_id=training.pk, user=clicker).registration
    services.training_apply(training_id=training.pk, user=absent)
    at_start = training.event.starts_at
    link = events.registration_open_join_link(token=reg.token, user=clicker, now=at_start)
    assert link.state == "open" and link.url.endswith("secret-room")
    client.force_login(StaffFactory())
    page = client.get(reverse("admin:trainings_training_registrants", args=[training.pk]))
    html = page.content.decode()
    assert f'value="{reg.pk}" checked' in html
    client.post(
        reverse("admin:trainings_training_registrants", args=[training.pk]),
        {"do": "attendance", "attended": [reg.pk]},
    )
    assert Registration.objects.get(pk=reg.pk).attended is True
    assert Registration.objects.get(event=training.event, user=absent).attended is False


def test_csv_opens_in_japanese_excel(client):
    training = make_training(questions=["質問A"])
    member = MemberFactory(full_name="横糸 花子", full_name_kana="ヨコイト ハナコ")
    services.training_apply(training_id=training.pk, user=member, answers={"0": "回答です"})
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:trainings_training_registrants_csv", args=[training.pk]))
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0].startswith("氏名,フリガナ,メールアドレス,所属,状態")
    assert "質問1: 質問A" in lines[0]
    assert "横糸 花子,ヨコイト ハナコ" in lines[1] and "東京都千代田区" in lines[1]
    assert "参加" in lines[1] and "回答です" in lines[1]


def test_materials_only_for_confirmed_registrants(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    training = make_training()
    material = Material.objects.create(
        training=training, title="スライド", file=ContentFile(b"%PDF-1.4 slides", name="s.pdf")
    )
    url = reverse("trainings:material", args=[training.pk, material.pk])
    member = MemberFactory()
    client.force_login(member)
    assert client.get(url).status_code == 404
    services.training_apply(training_id=training.pk, user=member)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    other = make_training()
    wrong = reverse("trainings:material", args=[other.pk, material.pk])
    assert client.get(wrong).status_code == 404  # tampered training id


def test_archive_visibility():
    past = make_training(days=-3, archive_url="https://video.example.jp/a")
    member, registrant = MemberFactory(), MemberFactory()
    Registration.objects.create(event=past.event, user=registrant, status=S.GOING)
    assert not selectors.may_watch_archive(training=past, user=member)
    assert selectors.may_watch_archive(training=past, user=registrant)
    past.archive_access = Training.ArchiveAccess.MEMBERS
    past.save()
    assert selectors.may_watch_archive(training=past, user=member)
    upcoming = make_training(archive_url="https://video.example.jp/b")
    assert not selectors.may_watch_archive(training=upcoming, user=registrant)


def test_views_apply_errors_and_tampered_ids(client):
    training = make_training(
        audience=Training.Audience.JOB_TYPES, audience_job_types=["fire"], questions=["Q"]
    )
    member = MemberFactory(job_type="general")
    client.force_login(member)
    html = client.get(reverse("trainings:detail", args=[training.pk])).content.decode()
    assert "次の職種の会員：消防" in html
    response = client.post(reverse("trainings:apply", args=[training.pk]), {"answer_0": "x"})
    assert response.status_code == 403
    assert not Registration.objects.exists()
    response = client.post(
        reverse("trainings:apply", args=[training.pk]), {"answer_0": "あ" * 1001}
    )
    assert response.status_code == 422
    assert client.get(reverse("trainings:detail", args=[99999])).status_code == 404
    assert client.post(reverse("trainings:apply", args=[99999])).status_code == 404


def test_apply_and_cancel_through_the_pages(client):
    training = make_training(questions=["Q"])
    member = MemberFactory()
    client.force_login(member)
    response = client.post(reverse("trainings:apply", args=[training.pk]), {"answer_0": "回答"})
    assert response.status_code == 302
    html = client.get(reverse("trainings:detail", args=[training.pk])).content.decode()
    assert 'data-rsvp-status="going"' in html
    assert "secret-room" not in html
    assert client.post(reverse("trainings:cancel", args=[training.pk])).status_code == 302
    assert Registration.objects.get(event=training.event).status == S.CANCELLED


def test_orientation_page_is_open_to_applicants_but_trainings_are_not(client):
    services.orientations_generate(weeks=2)
    orientation = Training.objects.filter(is_orientation=True).first()
    applicant = ApplicantFactory()
    client.force_login(applicant)
    assert client.get(reverse("orientation")).status_code == 200
    response = client.post(reverse("orientation_apply", args=[orientation.pk]))
    assert response.status_code == 302
    assert Registration.objects.get(user=applicant).status == S.GOING
    assert client.get(reverse("trainings:list")).status_code == 302  # member content
    training = make_training()
    response = client.post(reverse("orientation_apply", args=[training.pk]))
    assert response.status_code == 404  # not an orientation
    client.post(reverse("orientation_cancel", args=[orientation.pk]))
    assert Registration.objects.get(user=applicant).status == S.CANCELLED


def test_list_and_detail_query_counts(client, django_assert_max_num_queries):
    member = MemberFactory()
    now = timezone.now()
    for i in range(200):
        make_training(
            days=(i % 40) - 20 or 1,
            title=f"研修{i}",
            lecturers=[{"name": f"講師{i}"}, {"name": f"講師{i}b"}],
        )
    first = Training.objects.order_by("pk").first()
    services.training_apply(training_id=first.pk, user=member) if first.event.rsvp_open(
        now
    ) else None
    client.force_login(member)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("trainings:list"))
    assert response.status_code == 200 and "研修" in response.content.decode()
    with django_assert_max_num_queries(9):
        assert client.get(reverse("trainings:list"), {"tab": "past"}).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("trainings:detail", args=[first.pk])).status_code == 200


def test_member_home_lists_open_trainings_not_yet_applied(client):
    open_one = make_training(title="受付中の研修A")
    applied = make_training(title="申込済みの研修B")
    make_training(title="受付前の研修C", application_opens_at=timezone.now() + dt.timedelta(days=1))
    member = MemberFactory()
    services.training_apply(training_id=applied.pk, user=member)
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    assert "受付中の研修A" in html and "受付前の研修C" not in html
    panel = html[html.index('id="home-trainings"') :]
    assert "申込済みの研修B" not in panel[: panel.index("</section>")]
    assert open_one.pk
