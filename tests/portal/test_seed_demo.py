"""Issue 10 §18: `seed_demo` hashed the same demo password 300 times (~96 s)."""

from __future__ import annotations

import io
import time

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db.models import Count, Q

from accounts import demo as accounts_demo
from accounts.models import User
from events.models import Event, Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_hasher(settings):
    """The production hasher (tests use MD5 elsewhere), so the cost is the real one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def test_seed_demo_hashes_once_is_fast_and_idempotent(real_hasher, monkeypatch):
    calls = []
    original = accounts_demo.make_password
    monkeypatch.setattr(
        accounts_demo, "make_password", lambda raw: calls.append(raw) or original(raw)
    )
    started = time.monotonic()
    call_command("seed_demo", stdout=io.StringIO())
    elapsed = time.monotonic() - started
    assert calls == [accounts_demo.MEMBER_PASSWORD]  # one hash for ~300 accounts
    assert elapsed < 15, f"seed_demo took {elapsed:.1f} s"

    demo_accounts = User.objects.filter(
        email__endswith="@demo.lg.jp", password__startswith="pbkdf2"
    )
    assert demo_accounts.count() >= accounts_demo.MEMBER_COUNT
    assert demo_accounts.values("password").distinct().count() == 1
    member = User.objects.get(email="member000@demo.lg.jp")
    assert check_password(accounts_demo.MEMBER_PASSWORD, member.password)
    assert not check_password("wrong", member.password)
    staff = User.objects.get(email=accounts_demo.STAFF_EMAIL)
    assert staff.check_password(accounts_demo.STAFF_PASSWORD)

    counts = {model: model.objects.count() for model in (User, Event, Registration)}
    calls.clear()
    call_command("seed_demo", stdout=io.StringIO())
    assert {model: model.objects.count() for model in counts} == counts
    assert calls == []  # nothing new, nothing hashed

    assert_demo_rsvps_respect_capacity_and_the_waitlist()


def assert_demo_rsvps_respect_capacity_and_the_waitlist():
    S = Registration.Status
    events = Event.objects.filter(kind="section_meeting").annotate(
        going=Count("registrations", filter=Q(registrations__status=S.GOING)),
        waiting=Count("registrations", filter=Q(registrations__status=S.WAITLISTED)),
    )
    assert events.filter(going__gt=0).exists()
    for event in events:
        if event.capacity is None:
            assert event.waiting == 0
        else:
            assert event.going <= event.capacity
            assert event.waiting == 0 or event.going == event.capacity
    going = Registration.objects.filter(event__kind="section_meeting", status=S.GOING)
    assert not going.filter(confirmed_at__isnull=True).exists()
    # Everyone who answered belongs to the section (most meetings are for its members).
    from sections.models import SectionMembership

    members = set(SectionMembership.objects.values_list("user_id", "section_id"))
    answered = set(
        Registration.objects.filter(event__kind="section_meeting").values_list(
            "user_id", "event__section_meeting__section_id"
        )
    )
    assert answered and answered <= members
