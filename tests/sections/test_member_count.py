"""Section.member_count (issue 18) is kept by every service that adds or removes a
membership, in its transaction, and it is what the directory and the section page show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services as account_services
from sections import services
from sections.counts import recount_members
from sections.models import Section, SectionMembership
from tests.factories import MemberFactory, SectionFactory, SectionMembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _count(section) -> int:
    return Section.objects.values_list("member_count", flat=True).get(pk=section.pk)


def test_join_leave_remove_and_requests_keep_the_count():
    section = SectionFactory(join_policy="open")
    head = SectionMembershipFactory(section=section, role="head").user
    assert _count(section) == 1
    joiner = MemberFactory()
    services.section_join(section_id=section.pk, user=joiner)
    services.section_join(section_id=section.pk, user=joiner)  # idempotent
    assert _count(section) == 2
    services.section_leave(section_id=section.pk, user=joiner)
    assert _count(section) == 1

    Section.objects.filter(pk=section.pk).update(join_policy="approval")
    asker = MemberFactory()
    request = services.join_request_create(section_id=section.pk, user=asker)
    assert _count(section) == 1
    services.join_request_decide(request_id=request.pk, actor=head, accept=True)
    assert _count(section) == 2
    services.member_remove(section_id=section.pk, actor=head, user_id=asker.pk)
    assert _count(section) == 1


def test_a_refused_change_leaves_the_count():
    section = SectionFactory(join_policy="approval")
    SectionMembershipFactory(section=section, role="head")
    with pytest.raises(services.SectionError):
        services.section_join(section_id=section.pk, user=MemberFactory())
    assert _count(section) == 1


def test_withdrawal_recounts_every_section_of_the_member():
    a, b = SectionFactory(), SectionFactory()
    member = MemberFactory()
    for section in (a, b):
        SectionMembershipFactory(section=section, role="head")
        services.section_join(section_id=section.pk, user=member)
    assert (_count(a), _count(b)) == (2, 2)
    account_services.member_withdraw(user_id=member.pk, actor=StaffFactory())
    assert (_count(a), _count(b)) == (1, 1)


def test_recount_puts_bulk_writes_right_and_the_pages_show_the_count(client):
    section = SectionFactory(join_policy="open")
    users = [MemberFactory() for _ in range(3)]
    SectionMembership.objects.bulk_create(
        [SectionMembership(section=section, user=u) for u in users]
    )
    assert _count(section) == 0  # written around the services
    recount_members()
    assert _count(section) == 3
    client.force_login(users[0])
    directory = client.get(reverse("sections:directory")).content.decode()
    card = directory[directory.index(f'data-section="{section.slug}"') :]
    assert card[: card.index("</li>")].count("<span data-member-count>3</span>") == 1
    page = client.get(section.get_absolute_url()).content.decode()
    assert "メンバー（3人）" in page


def test_joining_over_htmx_shows_the_new_count(client):
    section = SectionFactory(join_policy="open")
    SectionMembershipFactory(section=section, role="head")
    member = MemberFactory()
    client.force_login(member)
    response = client.post(reverse("sections:join", args=[section.slug]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "メンバー（2人）" in response.content.decode()
