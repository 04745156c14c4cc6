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


def test_a_sections_member_list_tells_namesakes_apart(staff_client, django_assert_max_num_queries):
    """Issue 10 item 11: name, local government and department, under Japanese headers."""
    from tests.factories import local_government

    section = SectionFactory()
    for code, department in (("131016", "総務部 総務課"), ("011002", "保健福祉局 保健所")):
        SectionMembership.objects.create(
            section=section,
            user=MemberFactory(
                full_name="同姓 同名",
                local_government=local_government(code),
                department=department,
            ),
        )
    for _ in range(8):
        SectionMembership.objects.create(section=section, user=MemberFactory())
    url = reverse("admin:sections_section_change", args=[section.pk])
    with django_assert_max_num_queries(20):
        html = staff_client.get(url).content.decode()
    inline = html[html.index('id="memberships-group"') :]
    inline = inline[: inline.index("</fieldset>")]
    for header in ("氏名", "所属自治体・機関", "部署", "役割"):
        assert f"{header}</th>" in inline or f">{header}" in inline, header
    assert "User" not in inline and "USER" not in inline
    rows = inline.split("<tr")[2:]
    namesakes = [row for row in rows if "同姓 同名" in row]
    assert len(namesakes) == 2
    assert any("東京都千代田区" in r and "総務部 総務課" in r for r in namesakes)
    assert any("北海道札幌市" in r and "保健福祉局 保健所" in r for r in namesakes)


def test_the_membership_list_shows_affiliation_and_department(staff_client):
    section = SectionFactory(name="窓口DX課")
    SectionMembership.objects.create(
        section=section, user=MemberFactory(full_name="一覧 太郎", department="市民課")
    )
    html = staff_client.get(CHANGELIST).content.decode()
    for text in ("一覧 太郎", "東京都千代田区", "市民課", "所属自治体・機関", "部署"):
        assert text in html, text
