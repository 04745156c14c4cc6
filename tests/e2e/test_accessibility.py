"""Issue 10 §17: axe-core on every main page, as each kind of user.

axe-core comes from the axe-playwright-python package (its bundled axe.min.js is injected
into the page by Playwright; nothing is fetched from another host). Violations of impact
serious or critical fail the test; minor and moderate ones are collected and written to
test-results/axe-minor.txt (and printed) so that they can be reviewed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from tests.e2e.helpers import sign_in
from tests.factories import (
    ApplicantFactory,
    EpisodeFactory,
    FollowFactory,
    MeetingFactory,
    MemberFactory,
    SectionFactory,
    SectionMembershipFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
REPORT = Path(__file__).resolve().parents[2] / "test-results" / "axe-minor.txt"
_minor: dict[str, set[str]] = defaultdict(set)


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def world(db):
    """A section with a head and a meeting, a training, tonight's broadcast."""
    from trainings import services as trainings

    section = SectionFactory(name="防災DX課", slug="a11y-bousai", join_policy="approval")
    head = MemberFactory(full_name="課長 花子")
    SectionMembershipFactory(section=section, user=head, role="head")
    member = MemberFactory(full_name="課員 太郎")
    SectionMembershipFactory(section=section, user=member)
    starts = timezone.now() + dt.timedelta(days=2)
    meeting = MeetingFactory(
        section=section,
        event__title="防災DX 情報交換会",
        event__starts_at=starts,
        event__ends_at=starts + dt.timedelta(hours=1),
    )
    training = trainings.training_create(
        title="公文書管理の基礎",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        application_opens_at=timezone.now() - dt.timedelta(days=1),
        lecturers=[{"name": "講師 一郎", "affiliation": "大学"}],
        questions=["聞きたいこと"],
    )
    follow = FollowFactory(user=member)
    EpisodeFactory(programme=follow.programme, title="窓口DXの現場から")
    trainings.orientations_generate(weeks=2)
    joiner = MemberFactory(full_name="申請中 次郎")
    from sections import services as sections_services

    sections_services.join_request_create(section_id=section.pk, user=joiner, message="よろしく")
    applicant = ApplicantFactory(full_name="申請 三郎")
    staff = StaffFactory(full_name="事務局 四郎")
    for user in (head, member, applicant, staff):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return {
        "section": section,
        "meeting": meeting,
        "training": training,
        "head": head,
        "member": member,
        "applicant": applicant,
        "staff": staff,
    }


def member_pages(world, user) -> list[str]:
    return [
        "/members/",
        "/sections/",
        world["section"].get_absolute_url(),
        world["meeting"].get_absolute_url(),
        "/broadcasts/",
        "/broadcasts/programmes/",
        "/trainings/",
        world["training"].get_absolute_url(),
        "/members/directory/",
        f"/members/{user.pk}/",
        "/members/me/edit/",
        "/events/calendar/",
        "/coverage/",
        "/",
    ]


def pages_for(role: str, world) -> list[str]:
    if role == "anonymous":
        return ["/", "/coverage/", "/accounts/signup/", "/accounts/login/"]
    if role == "applicant":
        return ["/application/", "/application/status/", "/orientation/", "/"]
    return member_pages(world, world[role])


def audit(page, axe, url: str) -> list[str]:
    page.goto(page.base_url + url)
    page.wait_for_load_state("networkidle")
    assert page.url == page.base_url + url, f"{url} redirected to {page.url}"
    results = axe.run(page).response
    blocking = []
    for violation in results["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
        line = f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}"
        if violation["impact"] in BLOCKING:
            blocking.append(f"{url}: {line}")
        else:
            _minor[f"{violation['id']} ({violation['impact']}): {violation['help']}"].add(url)
    return blocking


@pytest.mark.parametrize("role", ["anonymous", "applicant", "member", "head", "staff"])
@pytest.mark.parametrize("width", [1280, 390])
def test_main_pages_have_no_serious_accessibility_violations(page, axe, world, role, width):
    page.set_viewport_size({"width": width, "height": 900})
    if role != "anonymous":
        sign_in(page, world[role])
    problems: list[str] = []
    for url in pages_for(role, world):
        problems.extend(audit(page, axe, url))
    _write_minor_report()
    assert problems == [], "\n".join(problems)


def test_pages_after_an_interaction_stay_accessible(page, axe, world):
    """An invalid application (422, errors shown) and a section page after an htmx join."""
    sign_in(page, world["applicant"])
    page.goto(page.base_url + "/application/")
    page.fill("input[name=department]", "")
    page.locator("main form button[type=submit]").click()
    page.locator("#form-errors").wait_for()
    problems = [
        f"/application/ (errors): {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']]}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/signup/")
    page.fill("input[name=email]", world["member"].email)  # already registered: an error
    page.fill("input[name=password1]", "short")
    page.fill("input[name=password2]", "other")
    page.locator("main form button[type=submit]").click()
    page.locator(".errorlist").first.wait_for()
    problems += [
        f"/accounts/signup/ (errors): {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']]}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]
    outsider = MemberFactory(full_name="外部 五郎")
    open_section = SectionFactory(name="オープン課", slug="a11y-open")
    SectionMembershipFactory(section=open_section, role="head")
    page.context.clear_cookies()
    sign_in(page, outsider)
    page.goto(page.base_url + open_section.get_absolute_url())
    page.get_by_role("button", name="この課に参加する").click()
    page.get_by_role("button", name="退出する").wait_for()
    problems += [
        f"section after join: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']]}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]
    assert problems == [], "\n".join(problems)


def _write_minor_report() -> None:
    REPORT.parent.mkdir(exist_ok=True)
    lines = [f"{rule}\n    " + "\n    ".join(sorted(urls)) for rule, urls in sorted(_minor.items())]
    REPORT.write_text("\n".join(lines) + "\n" if lines else "(none)\n", encoding="utf-8")
    if lines:
        print("\naxe: minor/moderate findings\n" + "\n".join(lines))


def test_the_audit_catches_a_serious_violation(page, axe):
    """The harness itself can fail: an unlabeled image and field are reported as blocking."""
    page.set_content(
        '<!doctype html><html lang="ja"><head><title>t</title></head><body><main>'
        '<img src="data:,"><input type="text"></main></body></html>'
    )
    found = {v["id"]: v["impact"] for v in axe.run(page).response["violations"]}
    assert found.get("image-alt") == "critical" and found.get("label") == "critical"
