import pytest

from events.models import Registration
from tests.factories import MemberFactory
from tests.trainings.helpers import make_training
from trainings import selectors
from trainings.models import Training

pytestmark = pytest.mark.django_db
S = Registration.Status


def test_archive_visibility():
    past = make_training(days=-3, archive_url="https://video.example.jp/a")
    member, registrant = MemberFactory(), MemberFactory()
    Registration.objects.create(event=past.event, user=registrant, status=S.GOING)
    assert not selectors.may_watch_archive(training=past, user=member)
    assert selectors.may_watch_archive(training=past, user=registrant)
    past.archive_access = Training.ArchiveAccess.MEMBERS
    past.save()
    assert selectors.may_watch_archive(training=past, user=member)
    upcoming = make_training(archive_url="https://video.example.jp/b")
    assert not selectors.may_watch_archive(training=upcoming, user=registrant)
