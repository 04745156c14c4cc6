"""core.admin_safety: the admin answers tampered lookups without a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import TrustedDomain
from sections.models import JoinRequest
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.mark.parametrize(
    "changelist, param",
    [
        ("admin:outbox_outgoingmail_changelist", "created_at__year"),
        ("admin:events_event_changelist", "starts_at__year"),
        ("admin:broadcasts_episode_changelist", "air_date__year"),
    ],
)
def test_an_overflowing_date_hierarchy_year_is_incorrect_lookup_not_500(
    staff_client, changelist, param
):
    response = staff_client.get(reverse(changelist), {param: HUGE})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize("value", ["abc", HUGE])
def test_a_tampered_autocomplete_value_is_a_form_error(staff_client, value):
    response = staff_client.post(
        reverse("admin:accounts_trusteddomain_add"),
        {"domain": "city.example.lg.jp", "local_government": value, "note": ""},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not TrustedDomain.objects.exists()


@pytest.mark.parametrize("value", ["abc", HUGE])
def test_a_tampered_raw_id_value_is_a_form_error(staff_client, value):
    response = staff_client.post(
        reverse("admin:sections_joinrequest_add"),
        {"section": value, "user": value, "status": "pending", "message": ""},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_every_model_admin_of_ours_is_safe():
    from django.contrib import admin

    from core.admin_safety import SafeAdminMixin

    # Django's and allauth's admins are re-registered as ours too (accounts/admin.py), so
    # every entry of the admin has the guards and the action permission rule.
    unsafe = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, SafeAdminMixin)
    ]
    assert unsafe == []


@pytest.mark.parametrize(
    "changelist, action",
    [
        ("admin:accounts_application_changelist", "action_approve"),
        ("admin:accounts_user_changelist", "action_suspend"),
        ("admin:broadcasts_programme_changelist", "generate_episodes"),
    ],
)
def test_a_bulk_action_with_tampered_ids_selects_nothing(staff_client, changelist, action):
    response = staff_client.post(
        reverse(changelist), {"action": action, "_selected_action": ["abc", HUGE, "1.5"]}
    )
    assert response.status_code == 302  # Django's "no items were selected", not a 500


def test_generating_episodes_up_to_the_last_date_is_a_form_error(staff_client):
    from tests.factories import ProgrammeFactory

    programme = ProgrammeFactory()
    response = staff_client.post(
        reverse("admin:broadcasts_programme_generate", args=[programme.pk]),
        {"apply": "1", "start": "9999-12-31", "end": "9999-12-31"},
    )
    assert response.status_code == 200
    assert "2000年〜2100年" in response.content.decode()
    assert not programme.episodes.exists()
