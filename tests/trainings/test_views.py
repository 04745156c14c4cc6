import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from tests.factories import ApplicantFactory, MemberFactory
from tests.trainings.helpers import make_training
from trainings import services
from trainings.models import Material, Training

pytestmark = pytest.mark.django_db
S = Registration.Status


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
