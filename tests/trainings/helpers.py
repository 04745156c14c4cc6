"""Shared helper for the trainings tests."""

import datetime as dt

from django.utils import timezone

from trainings import services


def make_training(days=10, **kw):
    starts = timezone.now() + dt.timedelta(days=days)
    defaults = {
        "title": "研修テスト",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=1),
        "join_url": "https://meet.example.jp/secret-room",
        "application_opens_at": timezone.now() - dt.timedelta(days=1),
    }
    return services.training_create(**{**defaults, **kw})
