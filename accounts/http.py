"""The request our views receive, for the type checker (nothing here runs differently)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class MemberRequest(HttpRequest):
    """A request the access policy let through (`@member`, `@applicant`): `user` is a
    signed-in `User`, and django-htmx's middleware has set `htmx`."""

    user: User
    htmx: HtmxDetails
