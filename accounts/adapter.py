"""allauth integration: where a user lands after login, and how allauth's mails are sent.

allauth's own mails (verification, password reset) are written to the outbox like every
other mail, but delivered synchronously right after the request's transaction commits,
not through Celery: an applicant must get the verification link even while Redis or the
worker is down. If SMTP itself fails, the row stays queued and the outbox sweep retries."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse

from outbox.services import mail_enqueue

from .models import User
from .services import account_email_verified


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
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        user = context.get("user")
        mail_enqueue(
            to=email,
            recipient=user if isinstance(user, User) and user.pk else None,
            template=f"allauth:{template_prefix}",
            subject=message.subject,
            body=message.body,
            sync=True,
        )
