import io

import pytest

from broadcasts import demo
from broadcasts.models import Episode, Follow, Guest, Programme
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent():
    MemberFactory.create_batch(3)
    demo.seed(io.StringIO())
    counts = (
        Programme.objects.count(),
        Episode.objects.count(),
        Guest.objects.count(),
        Follow.objects.count(),
    )
    assert counts[0] == 2 and counts[1] > 30 and counts[2] >= counts[1] and counts[3] == 3
    assert Episode.objects.archived().exists() and Episode.objects.upcoming().exists()
    demo.seed(io.StringIO())
    assert (
        Programme.objects.count(),
        Episode.objects.count(),
        Guest.objects.count(),
        Follow.objects.count(),
    ) == counts
