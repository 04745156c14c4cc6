"""要確認 (after the due date): the member still reads every page, with the banner saying
why and linking the form, but every write path refuses them — posting, RSVP, training
application, section join — and nothing is saved. Lapsed (after the grace): no member
pages, only the status page and the form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from discussions.models import Topic
from events.models import Registration
from renewals import services
from renewals.models import Renewal
from sections.models import SectionMembership
from tests.factories import MeetingFactory, MemberFactory, SectionFactory, SectionMembershipFactory
from trainings import services as training_services

from .conftest import make_cycle, open_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_member(overdue_cycle):
    member = MemberFactory()
    open_cycle(overdue_cycle)
    return member


def _training():
    now = timezone.now()
    return training_services.training_create(
        title="研修",
        starts_at=now + dt.timedelta(days=10),
        ends_at=now + dt.timedelta(days=10, hours=1),
        join_url="https://meet.example.jp/t",
        application_opens_at=now - dt.timedelta(days=1),
    )


def test_overdue_member_may_read_but_every_write_path_refuses(client, overdue_member):
    client.force_login(overdue_member)
    section = SectionFactory(join_policy="open")
    SectionMembershipFactory(section=section, user=overdue_member)
    other_section = SectionFactory(join_policy="open")
    meeting = MeetingFactory(section=section)
    training = _training()

    page = client.get(reverse("home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "要確認" in html and reverse("renewals:form") in html
    for url in (reverse("sections:directory"), reverse("trainings:list"), reverse("directory")):
        html = client.get(url).content.decode()
        assert "data-renewal-overdue" in html and reverse("renewals:form") in html, url

    # Posting.
    client.post(
        reverse("discussions:topic_new", args=[section.slug]),
        {"kind": "question", "title": "質問です", "body": "本文です"},
    )
    assert not Topic.objects.exists()
    # RSVP to a meeting (htmx: the panel comes back 422 with the reason).
    response = client.post(
        reverse("events:rsvp", args=[meeting.event_id]), {"action": "going"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and "年度更新" in response.content.decode()
    # Training application.
    client.post(reverse("trainings:apply", args=[training.pk]), {})
    assert not Registration.objects.filter(user=overdue_member).exists()
    # Joining a section.
    client.post(reverse("sections:join", args=[other_section.slug]))
    assert not SectionMembership.objects.filter(section=other_section).exists()

    # Confirming lifts the refusal at once.
    services.renewal_confirm(user=overdue_member, choice="unchanged")
    client.post(reverse("sections:join", args=[other_section.slug]))
    assert SectionMembership.objects.filter(section=other_section, user=overdue_member).exists()
    client.post(reverse("events:rsvp", args=[meeting.event_id]), {"action": "going"})
    client.post(reverse("trainings:apply", args=[training.pk]), {})
    assert Registration.objects.filter(user=overdue_member).count() == 2  # the same posts work
    client.post(
        reverse("discussions:topic_new", args=[section.slug]),
        {"kind": "question", "title": "質問です", "body": "本文です"},
    )
    assert Topic.objects.count() == 1
    assert "data-renewal-banner" not in client.get(reverse("home")).content.decode()


def test_the_refusal_is_the_services_too(overdue_member):
    from core import plugins
    from events.services import RegistrationError, registration_rsvp
    from sections import services as section_services
    from sections.services import SectionError

    reason = plugins.write_refusal(User.objects.get(pk=overdue_member.pk))
    assert "年度更新" in reason and "/renewal/" in reason
    with pytest.raises(RegistrationError):
        registration_rsvp(event_id=MeetingFactory().event_id, user=overdue_member, going=True)
    with pytest.raises(RegistrationError):
        training_services.training_apply(training_id=_training().pk, user=overdue_member)
    with pytest.raises(SectionError):
        section_services.section_join(section_id=SectionFactory().pk, user=overdue_member)


def test_before_the_due_date_nothing_is_refused_and_the_banner_asks_kindly(client, cycle):
    member = MemberFactory()
    open_cycle(cycle)
    from core import plugins

    assert plugins.write_refusal(member) is None
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    assert "data-renewal-banner" in html and "data-renewal-overdue" not in html
    assert "data-renewal-panel" in html and "data-renewal-unchanged" in html


def test_a_closed_cycle_refuses_nobody(overdue_cycle, overdue_member):
    from core import plugins

    services.cycle_close(cycle_id=overdue_cycle.pk, actor=None)
    assert plugins.write_refusal(User.objects.get(pk=overdue_member.pk)) is None


def test_lapsed_member_sees_only_the_status_page_and_the_form(client):
    cycle = make_cycle(opened_days_ago=80, due_in=-33, grace_after_due=31)
    member = MemberFactory()
    open_cycle(cycle)
    services.lapses_apply()
    client.force_login(member)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("application_status")
    status = client.get(reverse("application_status")).content.decode()
    assert "確認待ち" in status and reverse("renewals:form") in status
    assert client.get(reverse("renewals:form")).status_code == 200
    response = client.post(reverse("renewals:confirm"), {"choice": "unchanged"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert Renewal.objects.get(user=member).state == Renewal.State.CONFIRMED
