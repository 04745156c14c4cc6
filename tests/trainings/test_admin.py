import pytest
from django.urls import reverse

from events import services as events
from events.models import Registration
from tests.factories import MemberFactory, StaffFactory
from tests.trainings.helpers import make_training
from trainings import services
from trainings.models import Training

pytestmark = pytest.mark.django_db
ADD = reverse("admin:trainings_training_add")

FORM = {
    "title": "管理画面から作る研修",
    "description": "内容",
    "starts_at_0": "2030-04-05",
    "starts_at_1": "21:00",
    "ends_at_0": "2030-04-05",
    "ends_at_1": "22:30",
    "format": "online",
    "join_url": "https://meet.example.jp/room",
    "place": "",
    "capacity": "50",
    "rsvp_deadline_0": "",
    "rsvp_deadline_1": "",
    "reminder_offsets": "1440, 60, 10",
    "application_opens_at_0": "2030-03-01",
    "application_opens_at_1": "09:00",
    "audience": "all",
    "audience_job_types": "[]",
    "questions": '["聞きたいこと"]',
    "archive_url": "",
    "archive_access": "registrants",
    "lecturers-TOTAL_FORMS": "1",
    "lecturers-INITIAL_FORMS": "0",
    "lecturers-0-name": "講師 一郎",
    "lecturers-0-affiliation": "大学",
    "lecturers-0-profile": "",
    "lecturers-0-order": "0",
    "materials-TOTAL_FORMS": "0",
    "materials-INITIAL_FORMS": "0",
}


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_staff_create_a_training_in_the_admin(staff_client):
    response = staff_client.post(ADD, FORM)
    assert response.status_code == 302, response.content.decode()[:3000]
    training = Training.objects.get(event__title="管理画面から作る研修")
    event = training.event
    assert event.kind == "training" and event.capacity == 50
    assert event.reminder_offsets == [1440, 60, 10]
    assert (event.starts_at - event.rsvp_deadline).days == 2  # default: two days before
    assert training.lecturers.get().name == "講師 一郎"
    assert training.questions == ["聞きたいこと"]


def test_bad_times_are_a_form_error_not_a_500(staff_client):
    response = staff_client.post(ADD, {**FORM, "ends_at_1": "20:00"})
    assert response.status_code == 200
    assert "終了日時は開始日時より後にしてください" in response.content.decode()
    assert not Training.objects.exists()
    response = staff_client.post(ADD, {**FORM, "reminder_offsets": "1日前"})
    assert "カンマ区切り" in response.content.decode()


def test_editing_the_time_goes_through_the_events_service(staff_client):
    staff_client.post(ADD, FORM)
    training = Training.objects.get()
    url = reverse("admin:trainings_training_change", args=[training.pk])
    data = {**FORM, "starts_at_1": "20:00", "lecturers-INITIAL_FORMS": "1",
            "lecturers-0-id": str(training.lecturers.get().pk),
            "lecturers-0-training": str(training.pk)}  # fmt: skip
    response = staff_client.post(url, data)
    assert response.status_code == 302
    training.event.refresh_from_db()
    assert training.event.sequence == 1
    events.event_cancel(event_id=training.event_id)
    response = staff_client.post(url, data)
    assert "中止した研修は変更できません" in response.content.decode()


def test_event_and_registration_rows_are_not_added_by_hand(staff_client):
    assert staff_client.get(reverse("admin:events_event_add")).status_code == 403
    assert staff_client.get(reverse("admin:events_registration_add")).status_code == 403


def test_attendance_ignores_ids_that_are_not_ascii_digits(staff_client):
    # "²".isdigit() is true but int("²") raises: the view answered 500.
    import datetime as dt

    from django.utils import timezone

    from tests.factories import MemberFactory
    from trainings import services

    starts = timezone.now() + dt.timedelta(days=10)
    training = services.training_create(
        title="出欠",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        join_url="https://meet.example.jp/r",
        application_opens_at=timezone.now() - dt.timedelta(days=1),
    )
    reg = services.training_apply(training_id=training.pk, user=MemberFactory()).registration
    url = reverse("admin:trainings_training_registrants", args=[training.pk])
    response = staff_client.post(
        url, {"do": "attendance", "attended": ["²", "１２", "99999999999999999999", str(reg.pk)]}
    )
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.attended is True


# --- Materials: the one upload rule (core.uploads; issue 9 item 12) --------------------------


def _with_material(name: str, content: bytes) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        **FORM,
        "materials-TOTAL_FORMS": "1",
        "materials-0-title": "当日のスライド",
        "materials-0-file": SimpleUploadedFile(name, content),
    }


@pytest.mark.parametrize(
    "name, content",
    [
        ("slides.html", b"<html><script>alert(1)</script></html>"),
        ("map.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("slides.pdf", b"<html><script>alert(1)</script></html>"),
        ("tool.exe", b"MZ\x90\x00"),
    ],
)
def test_staff_cannot_upload_html_svg_or_disguised_files(
    staff_client, settings, tmp_path, name, content
):
    settings.MEDIA_ROOT = tmp_path
    response = staff_client.post(ADD, _with_material(name, content))
    assert response.status_code == 200
    assert (
        "アップロードできない種類" in response.content.decode()
        or "中身が" in response.content.decode()
    )
    assert not Training.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_a_pdf_material_is_stored_under_a_new_name_and_downloads_by_its_title(
    staff_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = staff_client.post(ADD, _with_material("元の名前.pdf", b"%PDF-1.4 slides"))
    assert response.status_code == 302, response.content.decode()[:2000]
    material = Training.objects.get().materials.get()
    assert "元の名前" not in material.file.name and material.file.name.endswith(".pdf")
    assert material.download_name == "当日のスライド.pdf"


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
