"""allauth integration: where a user lands after login, how allauth's mails are sent, and
the lockout message after failed passwords.

allauth's own mails (verification, password reset) are written to the outbox like every
other mail, but delivered synchronously right after the request's transaction commits,
not through Celery: an applicant must get the verification link even while Redis or the
worker is down. If SMTP itself fails, the row stays queued and the outbox sweep retries."""

from __future__ import annotations

import math

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.urls import reverse

from outbox.services import mail_enqueue, render_plain

from .models import User
from .services import account_email_verified


def rate_window_minutes(action: str) -> int:
    """How long, at most, a rate limit of allauth's keeps refusing once reached: its
    longest window, in whole minutes (5 for "10/m/ip,5/5m/key")."""
    rates = parse_rates(allauth_settings.RATE_LIMITS.get(action))
    seconds = max((rate.duration for rate in rates), default=60)
    return max(1, math.ceil(seconds / 60))


def lockout_message() -> str:
    return (
        "パスワードの誤りが続いたため、このアカウントへのパスワードでのログインを一時的に"
        f"止めています（最長{rate_window_minutes('login_failed')}分間）。時間をおいてから"
        "もう一度お試しいただくか、下の「メールでログインコードを受け取る」から、"
        "登録したメールアドレスに届くコードでログインしてください。"
    )


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_authenticated and not user.is_member:
            # A signed-in account has a verified address (verification is mandatory), even
            # if this request's user object predates the confirmation.
            if user.status in {User.Status.UNVERIFIED, User.Status.DRAFT, User.Status.NEEDS_INFO}:
                return reverse("application_edit")
            return reverse("application_status")
        return super().get_login_redirect_url(request)

    def validation_error(self, code, *args):
        if code == "too_many_login_attempts":
            # The lockout after failed passwords: say how long, and the way around it.
            return ValidationError(lockout_message(), code=code)
        return super().validation_error(code, *args)

    def login(self, request, user):
        super().login(request, user)
        # A login code proves the address just as the verification link does (allauth
        # marks the address verified but does not call `confirm_email`).
        if (
            user.status == User.Status.UNVERIFIED
            and EmailAddress.objects.filter(user=user, verified=True).exists()
        ):
            account_email_verified(user_id=user.pk)

    def get_signup_redirect_url(self, request):
        return self.get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address):
        return reverse("application_edit")

    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            account_email_verified(user_id=email_address.user_id)
        return confirmed

    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "site_name": "横糸",
            "site_url": settings.SITE_URL,
            "login_code_minutes": max(1, allauth_settings.LOGIN_BY_CODE_TIMEOUT // 60),
        }
        ctx.update(context)
        # Plain text, rendered with autoescape off like every mail of the site.
        subject = render_plain(f"{template_prefix}_subject.txt", ctx)
        subject = self.format_email_subject(" ".join(subject.split()))
        body = render_plain(f"{template_prefix}_message.txt", ctx)
        user = context.get("user")
        if not (isinstance(user, User) and user.pk):
            # Some mails (the login code) carry no user: attach the account the address
            # belongs to, if any, so that its mails are found (and erased) with it.
            user = User.objects.filter(email__iexact=email).first()
        mail_enqueue(
            to=email,
            recipient=user,
            template=f"allauth:{template_prefix}",
            subject=subject,
            body=body,
            sync=True,
        )
