"""Issue 10 §6: a training limited to some 職種 said 「指定した職種の会員」 without naming
them, and still appeared in an ineligible member's 「受付中の研修」."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sections.models import SectionMembership
from tests.factories import MemberFactory, SectionFactory, StaffFactory
from trainings import selectors, services
from trainings.models import Training

pytestmark = pytest.mark.django_db
A = Training.Audience


def make_training(title, days=10, **kw):
    starts = timezone.now() + dt.timedelta(days=days)
    return services.training_create(
        title=title,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        application_opens_at=timezone.now() - dt.timedelta(days=1),
        **kw,
    )


def panel_of(html: str) -> str:
    start = html.index('id="home-trainings"')
    return html[start : html.index("</section>", start)]


def main_list_of(html: str) -> str:
    start = html.index('id="training-results"')
    end = html.find("data-not-for-you", start)
    return html[start : end if end != -1 else None]


@pytest.fixture
def mixed(db):
    """For a 一般行政 member of 防災課: one training for all, one for 保健師 and 消防, one
    for 防災課 members, one for 観光課 members."""
    bousai = SectionFactory(name="防災課")
    kankou = SectionFactory(name="観光課")
    member = MemberFactory(job_type="general")
    SectionMembership.objects.create(section=bousai, user=member)
    return {
        "member": member,
        "all": make_training("全員向けの研修", days=3),
        "nurses": make_training(
            "保健師と消防の研修",
            days=4,
            audience=A.JOB_TYPES,
            audience_job_types=["public_health_nurse", "fire"],
        ),
        "bousai": make_training(
            "防災課の研修", days=5, audience=A.SECTIONS, audience_sections=[bousai]
        ),
        "kankou": make_training(
            "観光課の研修", days=6, audience=A.SECTIONS, audience_sections=[kankou]
        ),
    }


def test_the_detail_page_names_the_job_types_and_sections(client, mixed):
    client.force_login(mixed["member"])
    html = client.get(reverse("trainings:detail", args=[mixed["nurses"].pk])).content.decode()
    assert re.search(r"<dd data-audience>次の職種の会員：保健師、消防</dd>", html)
    assert "指定した職種の会員" not in html
    # Why this member cannot apply, naming both sides.
    assert "この研修は次の職種の方が対象です：保健師、消防。" in html
    assert "あなたのプロフィールの職種は「一般行政」です。" in html
    html = client.get(reverse("trainings:detail", args=[mixed["kankou"].pk])).content.decode()
    assert "<dd data-audience>次の課のメンバー：観光課</dd>" in html
    assert "この研修は次の課のメンバーが対象です：観光課" in html


def test_home_lists_only_trainings_the_member_can_apply_to_and_notes_the_others(client, mixed):
    client.force_login(mixed["member"])
    panel = panel_of(client.get(reverse("home")).content.decode())
    listed, note = panel.split("data-not-for-you")
    assert "全員向けの研修" in listed and "防災課の研修" in listed
    assert "保健師と消防の研修" not in listed and "観光課の研修" not in listed
    assert "申し込めない研修が2件" in note
    assert "保健師と消防の研修</a>（対象：次の職種の会員：保健師、消防）" in note
    assert "観光課の研修</a>（対象：次の課のメンバー：観光課）" in note

    # A 保健師 sees the 保健師 training in the list, and no note for it.
    nurse = MemberFactory(job_type="public_health_nurse")
    client.force_login(nurse)
    panel = panel_of(client.get(reverse("home")).content.decode())
    listed = panel.split("data-not-for-you")[0]
    assert "保健師と消防の研修" in listed and "防災課の研修" not in listed


def test_staff_see_every_training_as_open(mixed):
    open_now = selectors.trainings_open_for(user=StaffFactory(), limit=10)
    assert open_now.not_for_you == []
    assert {t.pk for t in open_now.can_apply} == {
        mixed[key].pk for key in ("all", "nurses", "bousai", "kankou")
    }


def test_the_list_page_separates_trainings_the_member_cannot_apply_to(client, mixed):
    services.training_apply(training_id=mixed["all"].pk, user=mixed["member"])
    client.force_login(mixed["member"])
    html = client.get(reverse("trainings:list")).content.decode()
    main = main_list_of(html)
    assert "全員向けの研修" in main and "防災課の研修" in main
    assert "保健師と消防の研修" not in main and "観光課の研修" not in main
    others = html[html.index("data-not-for-you") :]
    assert "対象が限られている研修（2件）" in others
    assert "対象：次の職種の会員：保健師、消防" in others
    assert "対象：次の課のメンバー：観光課" in others
    # The htmx tab swap carries the same split.
    fragment = client.get(
        reverse("trainings:list"), {"tab": "upcoming"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "data-not-for-you" in fragment and "観光課の研修" in fragment


def test_home_panel_and_list_query_counts_stay_bounded(client, django_assert_max_num_queries):
    sections = [SectionFactory(name=f"課{i}") for i in range(5)]
    member = MemberFactory(job_type="general")
    SectionMembership.objects.create(section=sections[0], user=member)
    for i in range(30):
        kind = i % 3
        if kind == 0:
            make_training(f"全員{i}", days=2 + i)
        elif kind == 1:
            make_training(f"職種{i}", days=2 + i, audience=A.JOB_TYPES, audience_job_types=["fire"])
        else:
            make_training(
                f"課{i}", days=2 + i, audience=A.SECTIONS, audience_sections=sections[i % 5 :]
            )
    with django_assert_max_num_queries(3):
        result = selectors.trainings_open_for(user=member, limit=3)
    assert len(result.can_apply) == 3 and len(result.not_for_you) > 5
    client.force_login(member)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("trainings:list")).status_code == 200
