import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from outbox.models import OutgoingMail
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    user = MemberFactory(email="m@city.example.lg.jp")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_login_by_email_lands_a_member_on_the_member_home(client, member):
    response = client.post(
        reverse("account_login"), {"login": "M@city.example.lg.jp", "password": "pass-1234-word"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_password_reset_mail_goes_out_even_without_a_broker(
    client, member, monkeypatch, django_capture_on_commit_callbacks
):
    from outbox import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.mail_send, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    row = OutgoingMail.objects.get(to_email=member.email)
    assert row.status == OutgoingMail.Status.SENT
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"password1": "New-pass-2026!", "password2": "New-pass-2026!"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("New-pass-2026!")


def test_failed_logins_are_rate_limited_through_the_cache(client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/key"}
    cache.clear()
    codes = [
        client.post(
            reverse("account_login"), {"login": member.email, "password": "wrong"}
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert (
        429 in codes[3:]
        or "パスワードの誤りが続いたため"
        in client.post(
            reverse("account_login"), {"login": member.email, "password": "wrong"}
        ).content.decode()
    )
    cache.clear()
