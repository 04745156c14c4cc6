import pytest
from django.urls import reverse

from sections.models import SectionMembership
from tests.factories import MemberFactory, SectionFactory, StaffFactory

pytestmark = pytest.mark.django_db
Role = SectionMembership.Role
CHANGELIST = reverse("admin:sections_sectionmembership_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_staff_manage_roles_through_the_services(staff_client):
    section = SectionFactory()
    head = SectionMembership.objects.create(section=section, user=MemberFactory(), role=Role.HEAD)
    other = SectionMembership.objects.create(section=section, user=MemberFactory())
    # The last head cannot be demoted: the service refuses, nothing changes.
    staff_client.post(CHANGELIST, {"action": "make_member", "_selected_action": [head.pk]})
    head.refresh_from_db()
    assert head.role == Role.HEAD
    staff_client.post(CHANGELIST, {"action": "make_deputy", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.role == Role.DEPUTY
    staff_client.post(CHANGELIST, {"action": "make_head", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.role == Role.HEAD
    # Two heads now ("one or more"); a head is not removed, an ordinary member is.
    plain = SectionMembership.objects.create(section=section, user=MemberFactory())
    staff_client.post(CHANGELIST, {"action": "remove", "_selected_action": [head.pk, plain.pk]})
    assert SectionMembership.objects.filter(pk=head.pk, role=Role.HEAD).exists()
    assert not SectionMembership.objects.filter(pk=plain.pk).exists()


def test_membership_rows_cannot_be_edited_or_deleted_directly(staff_client):
    section = SectionFactory()
    m = SectionMembership.objects.create(section=section, user=MemberFactory(), role=Role.HEAD)
    url = reverse("admin:sections_sectionmembership_delete", args=[m.pk])
    assert staff_client.get(url).status_code == 403
    change = staff_client.post(
        reverse("admin:sections_sectionmembership_change", args=[m.pk]), {"role": "member"}
    )
    assert change.status_code in (200, 302, 403)
    m.refresh_from_db()
    assert m.role == Role.HEAD


def test_heads_list_the_head_before_the_deputy():
    from sections.selectors import heads

    section = SectionFactory()
    deputy = SectionMembership.objects.create(
        section=section, user=MemberFactory(), role=Role.DEPUTY
    )
    head = SectionMembership.objects.create(section=section, user=MemberFactory(), role=Role.HEAD)
    assert [m.pk for m in heads(section=section)] == [head.pk, deputy.pk]
