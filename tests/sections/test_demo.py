import io

import pytest

from events.models import Registration
from sections import demo
from sections.models import Meeting, Section, SectionMembership

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_fills_sections_with_members_and_meetings():
    demo.seed(io.StringIO())
    counts = (
        Section.objects.count(),
        SectionMembership.objects.count(),
        Meeting.objects.count(),
        Registration.objects.count(),
    )
    sections = 58 + 1  # the community's list, and 総合窓口 (discussions/migrations/0002)
    assert counts[0] == sections
    assert counts[1] >= sections * 8 and counts[2] >= sections * 2 and counts[3] > 0
    assert SectionMembership.objects.filter(role="head").count() == sections
    demo.seed(io.StringIO())
    assert (
        Section.objects.count(),
        SectionMembership.objects.count(),
        Meeting.objects.count(),
        Registration.objects.count(),
    ) == counts
