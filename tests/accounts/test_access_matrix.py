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
    for prefix in ("/members/",):
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


# Member pages that answer 404 to a role by design, with the reason.
EXPECTED_404 = {
    ("member", "trainings/<int:pk>/materials/<int:material_id>/"): (
        "materials are for confirmed registrants; the member is not one"
    ),
}
PARAM_RE = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def real_path(world, route: str) -> str:
    """The route filled with the first real value the sweep's world has for each
    parameter: an object the member (head of section A) or staff may open."""

    def value(match):
        values = world.real.get((route, match.group("name")))
        assert values, f"add a real value for {route} <{match.group('name')}> in build_world"
        return str(values[0])

    return "/" + PARAM_RE.sub(value, route)


@pytest.mark.parametrize("role", ["member", "staff"])
def test_members_and_staff_reach_every_member_page(client, role, tmp_path):
    """With real objects, a member page that answers 404 (or sends a member to the status
    page) is a failure: nothing here may count a 404 as getting through."""
    from tests.core.test_bad_input_sweep import build_world

    world = build_world(tmp_path)
    client.force_login(world.users[role])
    for route in sorted({route for route, policy in all_routes() if policy == MEMBER}):
        path = real_path(world, route)
        response = client.get(path)
        response.close()  # a file download streams; close it
        if (role, route) in EXPECTED_404:
            assert response.status_code == 404, (role, path)
            continue
        assert response.status_code in {200, 302, 405}, (role, path, response.status_code)
        if response.status_code == 302:
            assert response["Location"] not in {
                reverse("application_status"),
                reverse("account_login"),
            }, (role, path)


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


def test_the_matrix_covers_meeting_series():
    """The series pages (issue 17) are member-only and walked by the tests above; the
    series calendar for subscriptions is public and authorised by the feed token only."""
    paths = member_paths()
    for path in (
        "/sections/x/series/new/",
        "/sections/x/series/1/",
        "/sections/x/series/1/edit/",
        "/sections/x/series/1/end/",
        "/sections/x/series/1/join/",
        "/sections/x/series/1/leave/",
        "/sections/x/series/1/series.ics",
    ):
        assert path in paths, path
    public = {route for route, policy in all_routes() if policy != MEMBER}
    assert "calendar/<str:token>/series/<int:series_id>.ics" in public


@pytest.mark.parametrize("role", sorted(ROLES))
def test_series_calendar_needs_a_members_feed_token(client, role):
    from events.services import calendar_feed_get_or_create
    from tests.factories import SectionFactory, SectionMembershipFactory
    from tests.sections.test_series_views import create

    section = SectionFactory()
    series = create(section, SectionMembershipFactory(section=section, role="head").user)
    user = ROLES[role]()
    token = calendar_feed_get_or_create(user=user).token
    url = reverse("series_feed", args=[token, series.pk])
    assert client.get(url).status_code == 404  # not a member: no calendar
    member_token = calendar_feed_get_or_create(user=MemberFactory()).token
    assert client.get(reverse("series_feed", args=[member_token, series.pk])).status_code == 200
