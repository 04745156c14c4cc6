"""The registrants page offers each tool only to staff who hold its permission (issue 9
item 1; the refusals themselves: tests/core/test_admin_permissions.py)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.staff_roles import TRAINING, VETTING
from tests.core.admin_world import staff
from tests.factories import MemberFactory
from trainings import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def training():
    starts = timezone.now() + dt.timedelta(days=10)
    training = services.training_create(
        title="権限の研修",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        join_url="https://meet.example.jp/r",
        application_opens_at=timezone.now() - dt.timedelta(days=1),
    )
    services.training_apply(training_id=training.pk, user=MemberFactory(full_name="申込 太郎"))
    return training


def _perm(codename):
    return Permission.objects.get(content_type__app_label="trainings", codename=codename)


def test_the_training_role_gets_every_tool(client, training):
    client.force_login(staff(TRAINING))
    html = client.get(reverse("admin:trainings_training_registrants", args=[training.pk]))
    html = html.content.decode()
    assert "申込 太郎" in html
    assert reverse("admin:trainings_training_registrants_csv", args=[training.pk]) in html
    assert 'name="attended"' in html and 'value="announce"' in html
    changelist = client.get(reverse("admin:trainings_training_changelist")).content.decode()
    assert "申込者一覧" in changelist


def test_a_staff_who_may_only_see_the_list_gets_no_csv_no_mail_no_attendance(client, training):
    viewer = staff()
    viewer.user_permissions.add(_perm("view_training"), _perm("view_registrants"))
    client.force_login(viewer)
    url = reverse("admin:trainings_training_registrants", args=[training.pk])
    html = client.get(url).content.decode()
    assert "申込 太郎" in html
    assert "registrants.csv" not in html
    assert 'name="attended"' not in html and 'value="announce"' not in html
    csv = client.get(reverse("admin:trainings_training_registrants_csv", args=[training.pk]))
    assert csv.status_code == 403


def test_the_changelist_links_the_registrants_only_for_those_who_may_see_them(client, training):
    viewer = staff()
    viewer.user_permissions.add(_perm("view_training"))
    client.force_login(viewer)
    html = client.get(reverse("admin:trainings_training_changelist")).content.decode()
    assert "権限の研修" in html and "申込者一覧" not in html
    client.force_login(staff(VETTING))
    assert client.get(reverse("admin:trainings_training_changelist")).status_code == 403
