import io
import time

import pytest

from accounts import demo as accounts_demo
from discussions import demo
from discussions.models import Entry, Mention, Post, Topic
from sections import demo as sections_demo
from sections.models import Meeting

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Topic.objects.count(),
        Post.objects.count(),
        Mention.objects.count(),
        Meeting.objects.count(),
        Entry.objects.count(),
    )


def test_the_demo_is_realistic_idempotent_and_fast():
    accounts_demo.seed(io.StringIO())  # members across the country, as seed_demo does
    sections_demo.seed(io.StringIO())
    started = time.monotonic()
    out = io.StringIO()
    demo.seed(out)
    elapsed = time.monotonic() - started
    assert "discussions:" in out.getvalue()
    topics = Topic.objects.filter(deleted_at__isnull=True)
    assert topics.values("section").distinct().count() >= 8
    questions = topics.filter(kind="question")
    assert questions.filter(answer__isnull=False).count() >= 8
    assert questions.filter(answer__isnull=True).count() >= 4
    # Replies across prefectures: most threads with replies have several prefectures.
    spread = 0
    for topic in topics.filter(reply_count__gt=0):
        prefectures = set(
            topic.posts.values_list("author__local_government__prefecture", flat=True)
        )
        spread += len(prefectures) >= 2
    assert spread >= 10
    assert Mention.objects.count() >= 4
    weekly = Meeting.objects.filter(
        section__slug="corona", series__isnull=False, event__title="ワクチン接種 情報交換会"
    )
    assert weekly.count() >= 30  # the sections demo's series of 44 Saturdays
    assert Topic.objects.filter(meeting__in=weekly).count() == 6
    assert topics.filter(section__slug="houki", title__contains="条例").count() >= 2
    assert Entry.objects.count() >= 4
    assert Entry.objects.filter(published_at__isnull=False).count() == 2
    assert Entry.objects.filter(source_meetings__isnull=False).exists()
    before = _counts()
    demo.seed(io.StringIO())
    assert _counts() == before
    assert elapsed < 20
