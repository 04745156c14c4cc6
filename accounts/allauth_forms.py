"""allauth's sign-up form with our enumeration rule.

`ACCOUNT_PREVENT_ENUMERATION` is on, so allauth alone would answer a registered address
at sign-up as if it were new (and mail its owner). We keep the plain "already registered"
error the vetting issue asked for, but an IP (or one address) gets that answer only as
often as `login_failed` lets it test passwords: each such answer uses one try of
`signup_email_taken` (same rates, `config/settings/base.py`). Once the tries are used up,
every sign-up from that IP is refused with the same "wait" message, new address or not,
so the refusal itself tells nothing."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.manage_email import email_already_exists
from allauth.core import context, ratelimit
from django import forms

from .adapter import rate_window_minutes

ACTION = "signup_email_taken"


def too_many_message() -> str:
    return (
        "短時間に多くの登録が試みられたため、この接続からのアカウント登録を一時的に"
        f"止めています。しばらく（最長{rate_window_minutes(ACTION)}分）待ってから、"
        "もう一度お試しください。"
    )


class SignupForm(AllauthSignupForm):
    def validate_unique_email(self, value: str) -> str:
        request = context.request
        if not ratelimit.consume(request, action=ACTION, key=value, dry_run=True):
            raise forms.ValidationError(too_many_message(), code="too_many_signup_attempts")
        email, exists = email_already_exists(value)
        if exists:
            if not ratelimit.consume(request, action=ACTION, key=value):
                raise forms.ValidationError(too_many_message(), code="too_many_signup_attempts")
            raise get_adapter().validation_error("email_taken")
        return email
