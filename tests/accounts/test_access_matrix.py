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
    # 年度更新: not confirmed by the end of the grace (確認待ち).
    "lapsed": lambda: MemberFactory(status=S.LAPSED),
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


# Member pages that answer 404 to a role by design, with the reason.
EXPECTED_404 = {
    ("member", "trainings/<int:pk>/materials/<int:material_id>/"): (
        "materials are for confirmed registrants; the member is not one"
    ),
    ("member", "qa/<int:entry_id>/publish/"): "publishing a 参考Q&A entry is for staff only",
    ("member", "moderation/members/<int:user_id>/penalty/"): "penalties are for staff only",
    ("staff", "notifications/<int:notification_id>/open/"): (
        "a notification opens only for its recipient (the world's is the member's)"
    ),
}
# The world's topic and reply were written by another member of section A: only their
# author edits them (tests/discussions/test_views.py covers the author's own pages).
for _role in ("member", "staff"):
    for _route in (
        "sections/<slug:slug>/topics/<int:topic_id>/edit/",
        "sections/<slug:slug>/topics/<int:topic_id>/posts/<int:post_id>/edit/",
    ):
        EXPECTED_404[_role, _route] = "only its author edits a post"
PARAM_RE = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def real_path(world, route: str) -> str:
    """The route filled with the first real value the sweep's world has for each
    parameter: an object the member (head of section A) or staff may open."""

    def value(match):
        values = world.real.get((route, match.group("name")))
        assert values, f"add a real value for {route} <{match.group('name')}> in build_world"
        return str(values[0])

    return "/" + PARAM_RE.sub(value, route)


def close_download(response):
    """Close a file download's file but not the database: ``response.close()`` sends
    ``request_finished``, whose ``close_old_connections`` would close the test's
    PostgreSQL connection mid-transaction (Django's test client disconnects it the same
    way while it consumes a streaming response)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)


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
        if response.streaming:
            close_download(response)
        if (role, route) in EXPECTED_404:
            assert response.status_code == 404, (role, path)
            continue
        assert response.status_code in {200, 302, 405}, (role, path, response.status_code)
        if response.status_code == 302:
            assert response["Location"] not in {
                reverse("application_status"),
                reverse("account_login"),
            }, (role, path)


def test_overdue_member_reaches_every_member_page_with_the_banner(client, tmp_path):
    """年度更新の要確認 (the due date passed, not confirmed): still a member who reads
    every page, each saying why writes are refused and linking the form. (That writes
    are refused on every path: tests/renewals/test_enforcement.py.)"""
    import datetime as dt

    from django.utils import timezone

    from renewals.models import Cycle
    from tests.core.test_bad_input_sweep import build_world

    world = build_world(tmp_path)
    member = world.users["member"]
    today = timezone.localdate()
    Cycle.objects.update(
        opens_on=today - dt.timedelta(days=40), due_on=today - dt.timedelta(days=1)
    )
    client.force_login(member)
    form_url = reverse("renewals:form")
    for route in sorted({route for route, policy in all_routes() if policy == MEMBER}):
        path = real_path(world, route)
        response = client.get(path)
        if response.streaming:
            close_download(response)
        if ("member", route) in EXPECTED_404:
            assert response.status_code == 404, path
            continue
        assert response.status_code in {200, 302, 405}, (path, response.status_code)
        if response.status_code == 302:
            assert response["Location"] != reverse("application_status"), path
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            if "<html" in html:  # a full page, not an htmx fragment or a download
                assert "data-renewal-overdue" in html and form_url in html, path


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


# --- staff without permissions -----------------------------------------------------------
# Staff accounts get their rights from their role groups (core/staff_roles.py). One with
# `is_staff` and no group may open the admin's front page and change its own password;
# every model page and every custom admin page answers 403 (before looking the object up,
# so that a refusal does not tell whether it exists).
SITE_PAGES = {
    "admin/": 200,  # "you may not view or change anything"
    "admin/password_change/": 200,
    "admin/password_change/done/": 200,
    "admin/jsi18n/": 200,
    "admin/login/": 302,  # already signed in: to the front page
    "admin/r/<path:content_type_id>/<path:object_id>/": 404,  # "view on site": no such object
}


def admin_routes() -> list[str]:
    from core.access import ADMIN

    return sorted(route for route, policy in all_routes() if policy == ADMIN)


def _admin_path(route: str, world) -> str:
    """The route with a real object of its model (the first one)."""
    from django.contrib import admin

    parts = route.split("/")
    for model, model_admin in admin.site._registry.items():
        if parts[1:3] == [model._meta.app_label, model._meta.model_name]:
            obj = model_admin.get_queryset(world.request).order_by("pk").first()
            return "/" + re.sub(r"<(?:\w+:)?\w+>", str(obj.pk), route)
    return concrete(route)


def test_the_admin_matrix_covers_every_admin_url():
    routes = admin_routes()
    assert "admin/accounts/application/<path:object_id>/approve/" in routes
    assert "admin/trainings/training/<int:pk>/registrants.csv" in routes
    assert len(routes) > 100


def test_staff_without_permissions_are_refused_every_admin_page(client, tmp_path, settings):
    from django.contrib import admin

    from tests.core.admin_world import admin_world, staff

    settings.MEDIA_ROOT = tmp_path
    world = admin_world()
    client.force_login(staff())
    wrong = []
    for route in admin_routes():
        if route == "admin/logout/":
            continue  # signs out; nothing to refuse
        if route.startswith("admin/^"):  # the app index pages: none of their models is open
            for label in {m._meta.app_label for m in admin.site._registry}:
                if client.get(f"/admin/{label}/").status_code != 404:
                    wrong.append(f"GET /admin/{label}/")
            continue
        if route.startswith("admin/(?P"):  # the catch-all: an unknown admin page
            if client.get("/admin/nosuchapp/nosuchmodel/").status_code != 404:
                wrong.append("GET /admin/nosuchapp/nosuchmodel/")
            continue
        path = _admin_path(route, world)
        if route in SITE_PAGES:
            response = client.get(path)
            if response.status_code != SITE_PAGES[route]:
                wrong.append(f"GET {path}: {response.status_code}")
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if route.endswith("<path:object_id>/"):  # Django's redirect to the change page
                location = response.get("Location", "")
                if response.status_code != 302 or client.get(location).status_code != 403:
                    wrong.append(f"{method.upper()} {path}: {response.status_code} {location}")
            elif response.status_code != 403 and not (
                method == "post" and response.status_code == 405
            ):
                wrong.append(f"{method.upper()} {path}: {response.status_code}")
    front = client.get("/admin/").content.decode()
    assert "/admin/accounts/" not in front and "/admin/trainings/" not in front
    assert wrong == []


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
