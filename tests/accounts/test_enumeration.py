"""Account enumeration and the login lockout (issue 9, item 9).

- Password reset answers the same way whether or not the address is registered.
- Sign-up's explicit "already registered" message stays, but an IP gets it no more often
  than login lets it test passwords (`login_failed`); past that every sign-up from that IP
  is refused the same way, whatever the address.
- After 5 wrong passwords the correct one is refused too: the message says for how long
  and offers login by an e-mailed code, which works during the lockout, goes through the
  outbox and is in Japanese.

The test settings turn allauth's rate limits off (`ACCOUNT_RATE_LIMITS = False`); the
tests that need them put the production values back."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from config.settings import base
from outbox.models import OutgoingMail
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"


@pytest.fixture
def rate_limits(settings):
    """The production rate limits, on a clean cache."""
    settings.ACCOUNT_RATE_LIMITS = dict(base.ACCOUNT_RATE_LIMITS)
    cache.clear()
    yield settings.ACCOUNT_RATE_LIMITS
    cache.clear()


@pytest.fixture
def member():
    user = MemberFactory(email="m@city.example.lg.jp")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _text(response) -> str:
    """The visible answer, without the per-request CSRF token."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf>", response.content.decode())


# --- password reset -----------------------------------------------------------------------


def test_password_reset_answers_the_same_for_registered_and_unknown_addresses(
    client, member, django_capture_on_commit_callbacks
):
    answers = []
    for email in (member.email, "nobody@city.example.lg.jp"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account_reset_password"), {"email": email})
        followed = client.get(response["Location"]) if response.status_code == 302 else response
        answers.append((response.status_code, response.get("Location"), _text(followed)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302
    assert "登録されたユーザーアカウントがありません" not in answers[1][2]
    # The member gets the reset link; the unknown address only hears that it has no account.
    assert OutgoingMail.objects.filter(to_email=member.email).count() == 1
    assert "password/reset/key" in OutgoingMail.objects.get(to_email=member.email).body
    unknown = OutgoingMail.objects.get(to_email="nobody@city.example.lg.jp")
    assert "password/reset/key" not in unknown.body
    assert "登録されたアカウントはありません" in unknown.body and unknown.recipient_id is None


# --- sign-up --------------------------------------------------------------------------------


def _signup(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": "Yoko-ito-2026!", "password2": "Yoko-ito-2026!"},
    )


def _ip_amount(rates: str) -> int:
    """The per-IP amount per minute in an allauth rate string like "10/m/ip,5/5m/key"."""
    for part in rates.split(","):
        amount, duration, *per = part.strip().split("/")
        if (per or ["ip"])[0] == "ip" and duration == "m":
            return int(amount)
    raise AssertionError(rates)


def test_signup_says_already_registered_but_only_as_often_as_login_tests_passwords(
    client, rate_limits
):
    allowed = _ip_amount(rate_limits["login_failed"])
    for i in range(allowed):
        User.objects.create_user(email=f"taken{i}@city.example.lg.jp", password=PASSWORD)
    for i in range(allowed):
        response = _signup(client, f"taken{i}@city.example.lg.jp")
        assert response.status_code == 400
        assert "このメールアドレスでアカウント登録済みです" in response.content.decode()
    User.objects.create_user(email="one-more@city.example.lg.jp", password=PASSWORD)
    refused_taken = _signup(client, "one-more@city.example.lg.jp")
    refused_new = _signup(client, "brand-new@city.example.lg.jp")
    # Past the limit the answer no longer tells a registered address from a new one.
    for response in (refused_taken, refused_new):
        assert response.status_code == 400
        body = response.content.decode()
        assert "登録済み" not in body
        assert "しばらく" in body and "分" in body
    assert _text(refused_taken).replace("one-more", "X") == _text(refused_new).replace(
        "brand-new", "X"
    )
    assert not User.objects.filter(email="brand-new@city.example.lg.jp").exists()


def test_new_addresses_do_not_use_up_the_already_registered_allowance(client, rate_limits):
    allowed = _ip_amount(rate_limits["login_failed"])
    for i in range(allowed + 2):
        assert _signup(client, f"new{i}@city.example.lg.jp").status_code == 302
        client.logout()
    User.objects.create_user(email="taken@city.example.lg.jp", password=PASSWORD)
    response = _signup(client, "taken@city.example.lg.jp")
    assert "このメールアドレスでアカウント登録済みです" in response.content.decode()


# --- the lockout and login by code ----------------------------------------------------------


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_lockout_says_how_long_and_offers_a_login_code(client, member, rate_limits):
    for _ in range(5):
        assert _login(client, member.email, "wrong").status_code == 200
    response = _login(client, member.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    body = response.content.decode()
    assert "5分" in body
    assert reverse("account_request_login_code") in body
    assert "ログインコード" in body


def test_login_by_code_works_during_the_lockout_and_its_mail_goes_through_the_outbox(
    client, member, rate_limits, django_capture_on_commit_callbacks
):
    for _ in range(5):
        _login(client, member.email, "wrong")
    assert "_auth_user_id" not in client.session
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_request_login_code"), {"email": member.email})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_confirm_login_code"))
    row = OutgoingMail.objects.get(template="allauth:account/email/login_code")
    assert row.to_email == member.email and row.recipient_id == member.pk
    assert row.status == OutgoingMail.Status.SENT
    assert "ログインコード" in row.subject and row.subject.startswith("[横糸]")
    code = re.search(r"^([A-Z0-9]{4}-?[A-Z0-9]{4})$", row.body, re.M).group(1)
    assert "ログインコード" in row.body and "分" in row.body
    assert len(mail.outbox) == 1 and code in mail.outbox[0].body
    page = client.get(response["Location"])
    assert page.status_code == 200 and "ログインコードを入力" in page.content.decode()
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(member.pk)


def test_login_code_request_does_not_tell_whether_the_address_is_registered(
    member, rate_limits, django_capture_on_commit_callbacks
):
    answers = []
    for email in (member.email, "nobody@city.example.lg.jp"):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account_request_login_code"), {"email": email})
        page = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], page.status_code, _text(page)))
        answers[-1] = tuple(str(a).replace(email, "X") for a in answers[-1])
    assert answers[0] == answers[1]
    # Each address got a mail: the member a code, the unknown one a "no account" notice.
    assert OutgoingMail.objects.filter(to_email=member.email).count() == 1
    assert OutgoingMail.objects.filter(to_email="nobody@city.example.lg.jp").count() == 1


def test_login_code_pages_are_japanese_in_the_site_layout(client):
    body = client.get(reverse("account_request_login_code")).content.decode()
    assert "メールでログインコードを受け取る" in body
    assert 'class="site-footer' in body  # our base.html, not allauth's bare layout
    assert "Sign" not in body and "Request Code" not in body


def test_an_unverified_account_that_logs_in_by_code_goes_on_to_its_application(
    client, rate_limits, django_capture_on_commit_callbacks
):
    """The code proves the address as the verification link would: the account moves on
    to the application (draft) instead of being stuck as unverified."""
    user = User.objects.create_user(email="new@city.example.lg.jp", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_request_login_code"), {"email": user.email})
    body = OutgoingMail.objects.get(template="allauth:account/email/login_code").body
    code = re.search(r"^([A-Z0-9]{4}-?[A-Z0-9]{4})$", body, re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302 and response["Location"] == reverse("application_edit")
    user.refresh_from_db()
    assert user.status == User.Status.DRAFT
    assert client.get(reverse("application_edit")).status_code == 200


def test_a_login_code_does_not_skip_the_second_factor(
    client, rate_limits, django_capture_on_commit_callbacks
):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.factories import StaffFactory

    staff = StaffFactory(email="staff@city.example.lg.jp")
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    TOTP.activate(staff, generate_totp_secret())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_request_login_code"), {"email": staff.email})
    body = OutgoingMail.objects.get(template="allauth:account/email/login_code").body
    code = re.search(r"^([A-Z0-9]{4}-?[A-Z0-9]{4})$", body, re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
