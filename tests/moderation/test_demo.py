"""The demo seeder: a hidden reply waiting in the queue, an open report, a decided case,
a member under 投稿停止 and the 行動規範; idempotent."""

from __future__ import annotations

import io
import time

import pytest

from core import plugins
from discussions.models import Post
from moderation.models import Case, CodeOfConduct, Penalty

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_part_of_moderation_and_runs_twice():
    timings = {}
    for seeder in plugins.demo_seeders():
        started = time.monotonic()
        seeder.seed(io.StringIO())
        timings[seeder.app] = time.monotonic() - started
    print("seeder seconds:", {k: round(v, 2) for k, v in timings.items()})
    assert timings["moderation"] < 5
    assert Case.objects.filter(state="hidden").count() == 1
    assert Post.objects.filter(hidden_reason="personal").count() == 1
    assert Case.objects.filter(state="open").count() == 1
    assert Case.objects.filter(decision="dismiss").count() == 1
    assert Penalty.objects.filter(kind="silence", lifted_at__isnull=True).count() == 1
    assert CodeOfConduct.objects.get().version == 1
    out = io.StringIO()
    next(s for s in plugins.demo_seeders() if s.app == "moderation").seed(out)
    assert "already" in out.getvalue()
    assert Case.objects.count() == 3
