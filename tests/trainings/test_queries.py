"""/orientation/'s query count does not grow with the number of sessions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ApplicantFactory
from trainings import services

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
