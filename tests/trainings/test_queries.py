"""/orientation/'s query count does not grow with the number of sessions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ApplicantFactory, MemberFactory
from tests.trainings.helpers import make_training
from trainings import services
from trainings.models import Training

pytestmark = pytest.mark.django_db


def _count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orientation"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_orientation_page_query_count_is_constant(client):
    applicant = ApplicantFactory()
    client.force_login(applicant)
    now = timezone.now()
    services.orientations_generate(weeks=2, now=now)
    few = _count(client)
    services.orientations_generate(weeks=12, now=now)
    many = _count(client)
    assert many == few <= 10, (few, many)


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
    with django_assert_max_num_queries(12):
        assert client.get(reverse("trainings:detail", args=[first.pk])).status_code == 200
