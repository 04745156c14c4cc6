"""Every member-only URL × every role: only approved members and staff get through."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from core.access import MEMBER
from tests.core.test_url_policy import all_routes
from tests.factories import ApplicantFactory, MemberFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
S = User.Status

CONVERTERS = {"int": "1", "slug": "x", "str": "x", "uuid": "00000000-0000-0000-0000-000000000000",
              "path": "x"}  # fmt: skip


def concrete(route: str) -> str:
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTERS.get(m.group(1) or "str", "x"), route)
    path = path.replace("^", "").replace("$", "")
    return "/" + path


def member_paths():
    return sorted({concrete(route) for route, policy in all_routes() if policy == MEMBER})


ROLES = {
    "unverified": lambda: UserFactory(status=S.UNVERIFIED),
    "draft": lambda: UserFactory(status=S.DRAFT),
    "submitted": lambda: ApplicantFactory(),
    "needs_info": lambda: ApplicantFactory(status=S.NEEDS_INFO),
    "rejected": lambda: ApplicantFactory(status=S.REJECTED),
    "suspended": lambda: MemberFactory(status=S.SUSPENDED),
    "withdrawn": lambda: MemberFactory(status=S.WITHDRAWN, is_active=False),
}


def test_the_matrix_covers_the_member_areas():
    paths = member_paths()
    for prefix in ("/members/", "/sections/x/topics/", "/sections/x/qa/", "/qa/1/edit/"):
        assert any(p.startswith(prefix) for p in paths), prefix


@pytest.mark.parametrize("path", member_paths())
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", sorted(ROLES))
def test_non_members_only_ever_see_their_status_page(client, role):
    user = ROLES[role]()
    client.force_login(user)
    for path in member_paths():
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 302, (role, method, path, response.status_code)
            location = response["Location"]
            if role == "withdrawn":  # inactive: the session no longer authenticates
                assert location.startswith(reverse("account_login")), (path, location)
            else:
                assert location == reverse("application_status"), (path, location)


@pytest.mark.parametrize("factory", [MemberFactory, StaffFactory], ids=["member", "staff"])
def test_members_and_staff_get_through(client, factory):
    client.force_login(factory())
    for path in member_paths():
        response = client.get(path)
        assert response.status_code in {200, 302, 404, 405}, (path, response.status_code)
        if response.status_code == 302:
            assert response["Location"] not in {
                reverse("application_status"),
                reverse("account_login"),
            }, path


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"withdrawn"}))
def test_non_members_see_their_status_page(client, role):
    user = ROLES[role]()
    client.force_login(user)
    response = client.get(reverse("application_status"))
    assert response.status_code == 200
    assert user.get_status_display() in response.content.decode()


def test_admin_is_staff_only(client):
    client.force_login(MemberFactory())
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(StaffFactory())
    assert client.get("/admin/").status_code == 200


def test_admin_requires_totp_when_configured(client, settings):
    settings.YOKOITO_ADMIN_REQUIRES_MFA = True
    staff = StaffFactory()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={})
    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- 参考Q&A: the one member content the public reads (published entries only) ----------


@pytest.fixture
def qa_entries(db):
    from discussions import services
    from tests.factories import SectionFactory

    section = SectionFactory()
    head = MemberFactory(full_name="課長 公開確認")
    section.memberships.create(user=head, role="head")
    staff = StaffFactory()
    published = services.entry_create(
        section_id=section.pk, actor=head, title="公開された参考問答", question="", answer="回答"
    )
    services.entry_publish(entry_id=published.pk, actor=staff)
    unpublished = services.entry_create(
        section_id=section.pk, actor=head, title="会員だけの参考問答", question="", answer="回答"
    )
    return published, unpublished


@pytest.mark.parametrize("role", ["anonymous", *sorted(ROLES)])
def test_the_public_and_non_members_read_only_published_entries(client, qa_entries, role):
    published, unpublished = qa_entries
    if role != "anonymous":
        client.force_login(ROLES[role]())
    listing = client.get(reverse("discussions:qa"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "公開された参考問答" in html and "会員だけの参考問答" not in html
    assert "課長 公開確認" not in html
    page = client.get(reverse("discussions:qa_entry", args=[published.pk]))
    assert page.status_code == 200 and "課長 公開確認" not in page.content.decode()
    assert client.get(reverse("discussions:qa_entry", args=[unpublished.pk])).status_code == 404
    for name in ("qa_edit", "qa_publish"):
        response = client.get(reverse(f"discussions:{name}", args=[published.pk]))
        assert response.status_code == 302  # to login or to the status page


@pytest.mark.parametrize("factory", [MemberFactory, StaffFactory], ids=["member", "staff"])
def test_members_read_the_entries_of_sections_open_to_them(client, qa_entries, factory):
    _published, unpublished = qa_entries
    client.force_login(factory())
    html = client.get(reverse("discussions:qa")).content.decode()
    assert "公開された参考問答" in html and "会員だけの参考問答" in html
    assert client.get(reverse("discussions:qa_entry", args=[unpublished.pk])).status_code == 200
