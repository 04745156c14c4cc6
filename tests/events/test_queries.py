"""The calendar page's query count does not grow with the member's registrations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import services
from tests.factories import MeetingFactory, MemberFactory, SectionMembershipFactory

pytestmark = pytest.mark.django_db


def _register(user, count: int) -> None:
    for i in range(count):
        meeting = MeetingFactory(event__starts_at=timezone.now() + timezone.timedelta(days=2 + i))
        SectionMembershipFactory(section=meeting.section, user=user)
        services.registration_rsvp(event_id=meeting.event_id, user=user, going=True)


def _count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("events:calendar"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_calendar_page_query_count_is_constant(client):
    user = MemberFactory()
    client.force_login(user)
    _register(user, 2)
    client.get(reverse("events:calendar"))  # the first visit creates the feed
    few = _count(client)
    _register(user, 20)
    many = _count(client)
    assert many == few <= 8, (few, many)
    assert "参加予定" in client.get(reverse("events:calendar")).content.decode()
