"""The session's user is loaded in one query with the registered annotations (the bell's
count, the active 投稿停止), from SQL compiled once per process: the values are those the
selectors compute, for the request's own time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import MemberBackend, MemberModelBackend, load_member
from moderation import selectors as moderation
from moderation.models import Penalty
from notifications import selectors as notifications
from notifications.models import Notification
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _notify(user, n: int, **extra) -> None:
    Notification.objects.bulk_create(
        Notification(recipient=user, kind="announcement", text=f"お知らせ{i}", **extra)
        for i in range(n)
    )


def test_one_query_gives_the_user_and_the_values_the_selectors_compute():
    member, other = MemberFactory(), MemberFactory()
    _notify(member, 3)
    _notify(member, 2, read_at=timezone.now())
    _notify(member, 1, withdrawn_at=timezone.now())
    _notify(other, 5)
    staff = StaffFactory()
    penalty = Penalty.objects.create(
        user=member, kind=Penalty.Kind.SILENCE, reason="連投", created_by=staff,
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        loaded = MemberModelBackend().get_user(member.pk)
    assert len(ctx.captured_queries) == 1
    assert loaded.pk == member.pk and loaded.email == member.email
    assert loaded.notifications_unread == 3 == notifications.unread_count(member)
    assert loaded.moderation_silence_id == penalty.pk
    assert moderation.active_silence(loaded).pk == penalty.pk
    assert MemberBackend().get_user(other.pk).notifications_unread == 5


def test_the_request_time_decides_which_penalty_is_active():
    member, staff = MemberFactory(), StaffFactory()
    now = timezone.now()
    Penalty.objects.create(
        user=member, kind=Penalty.Kind.SILENCE, reason="過去", created_by=staff,
        starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1),
    )  # fmt: skip
    Penalty.objects.create(
        user=member, kind=Penalty.Kind.SILENCE, reason="未来", created_by=staff,
        starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=3),
    )  # fmt: skip
    loaded = load_member(member.pk)
    assert loaded.moderation_silence_id is None
    assert moderation.silence_refusal(loaded) is None
    assert loaded.notifications_unread == 0


@pytest.mark.parametrize(
    "user_id", ["abc", None, "", "99999999", -1, "1; DROP TABLE x", "9" * 25, 2**63]
)
def test_tampered_or_unknown_ids_give_no_user(user_id):
    MemberFactory()
    assert MemberModelBackend().get_user(user_id) is None


def test_an_inactive_user_is_not_signed_in():
    member = MemberFactory(is_active=False)
    assert MemberModelBackend().get_user(member.pk) is None
