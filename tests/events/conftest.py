import pytest
from django.utils import timezone

from tests.factories import MeetingFactory, MemberFactory, SectionMembershipFactory


@pytest.fixture
def meeting(db):
    """A section-only online meeting two days ahead, capacity 2, in a fresh section."""
    return MeetingFactory(event__capacity=2)


@pytest.fixture
def join(meeting):
    """Make a member of the meeting's section."""

    def make(**kwargs):
        return SectionMembershipFactory(section=meeting.section, **kwargs).user

    return make


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def outsider(db):
    return MemberFactory()
