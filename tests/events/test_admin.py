"""Staff change the join URL at the last minute in the admin: nothing is re-sent."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event
from outbox.models import OutgoingMail
from tests.factories import SectionMembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _form_data(event: Event, **over) -> dict:
    def split(value):
        local = timezone.localtime(value)
        return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")

    data = {
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "format": event.format,
        "join_url": event.join_url,
        "place": event.place,
        "capacity": event.capacity or "",
        "reminder_offsets": "[1440, 60]",
        "registrations-TOTAL_FORMS": str(event.registrations.count()),
        "registrations-INITIAL_FORMS": str(event.registrations.count()),
        "registrations-MIN_NUM_FORMS": "0",
        "registrations-MAX_NUM_FORMS": "1000",
    }
    for name in ("starts_at", "ends_at", "created_at"):
        data[f"{name}_0"], data[f"{name}_1"] = split(getattr(event, name))
    data["rsvp_deadline_0"] = data["rsvp_deadline_1"] = ""
    for i, reg in enumerate(event.registrations.order_by("created_at", "id")):
        data[f"registrations-{i}-id"] = str(reg.pk)
        data[f"registrations-{i}-event"] = str(event.pk)
        data[f"registrations-{i}-attended"] = "unknown"
    data.update(over)
    return data


def test_admin_join_url_change_sends_nothing_and_keeps_sequence(client, meeting):
    attendee = SectionMembershipFactory(section=meeting.section).user
    services.registration_rsvp(event_id=meeting.event.pk, user=attendee, going=True)
    client.force_login(StaffFactory())
    url = reverse("admin:events_event_change", args=[meeting.event.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form_data(meeting.event, join_url="https://meet.example.jp/new"))
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get(pk=meeting.event.pk)
    assert event.join_url == "https://meet.example.jp/new"
    assert event.sequence == 0
    assert not OutgoingMail.objects.exists()


def test_admin_time_change_goes_through_the_service(client, meeting):
    attendee = SectionMembershipFactory(section=meeting.section).user
    services.registration_rsvp(event_id=meeting.event.pk, user=attendee, going=True)
    client.force_login(StaffFactory())
    event = meeting.event
    later = timezone.localtime(event.starts_at) + timezone.timedelta(hours=2)
    data = _form_data(
        event,
        starts_at_1=later.strftime("%H:%M:%S"),
        starts_at_0=later.strftime("%Y-%m-%d"),
        ends_at_0=(later + timezone.timedelta(hours=1)).strftime("%Y-%m-%d"),
        ends_at_1=(later + timezone.timedelta(hours=1)).strftime("%H:%M:%S"),
    )
    response = client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 302
    assert Event.objects.get(pk=event.pk).sequence == 1
    assert OutgoingMail.objects.get(template="events_changed").recipient == attendee
