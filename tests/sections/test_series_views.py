"""Series pages: creation and edit (heads only, forms keep input, 422 for htmx), the section
page's one line, the series page with 休み, joining, ending, the calendar downloads."""

from __future__ import annotations

import datetime as dt

import jpholiday
import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event, Registration
from sections import recurrence, series_services
from sections.models import Meeting, MeetingSeries, SeriesSubscription
from tests.factories import MeetingFactory, MemberFactory, SectionFactory, SectionMembershipFactory

pytestmark = pytest.mark.django_db
BYDAY = recurrence.BYDAY


def next_holiday() -> dt.date:
    """The next public holiday at least a week away (so its meeting is not today)."""
    today = timezone.localdate()
    for day, _ in jpholiday.between(today + dt.timedelta(days=7), today + dt.timedelta(days=70)):
        return day
    raise AssertionError("no holiday within ten weeks")


@pytest.fixture
def section():
    return SectionFactory(name="予防接種課", slug="yobou")


@pytest.fixture
def head(section):
    return SectionMembershipFactory(section=section, role="head").user


@pytest.fixture
def member(section):
    return SectionMembershipFactory(section=section).user


def form_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "title": "ワクチン接種 情報交換会",
        "description": "近況の共有",
        "repeat": "weekly",
        "weekdays": ["SA"],
        "starts_on": today.isoformat(),
        "end_by": "date",
        "ends_on": (today + dt.timedelta(days=300)).isoformat(),
        "count": "",
        "skip_holidays": "on",
        "start_time": "21:00",
        "duration_minutes": "60",
        "format": "online",
        "join_url": "https://meet.example.jp/vaccine",
        "place": "",
        "capacity": "",
        "audience": "section",
    }
    data.update(overrides)
    return data


def create(section, head, **fields):
    today = timezone.localdate()
    values = {
        "title": "ワクチン接種 情報交換会",
        "repeat": "weekly",
        "weekdays": ["SA"],
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=300),
        "start_time": dt.time(21, 0),
        "duration_minutes": 60,
        "format": "online",
        "join_url": "https://meet.example.jp/vaccine",
        **fields,
    }
    return series_services.series_create(section_id=section.pk, actor=head, **values)


def test_head_creates_a_series_and_sees_it_on_the_section_page(client, section, head):
    client.force_login(head)
    url = reverse("sections:series_create", args=[section.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data())
    series = MeetingSeries.objects.get()
    assert response.status_code == 302 and response["Location"] == series.get_absolute_url()
    assert series.meetings.count() >= 11  # twelve weeks of Saturdays (today's may be past)
    page = client.get(reverse("sections:detail", args=[section.slug])).content.decode()
    assert "「毎週土曜 21:00〜」" in page
    first = series.meetings.select_related("event").order_by("event__starts_at").first()
    local = timezone.localtime(first.event.starts_at)
    assert f'次回 <time datetime="{local.isoformat()}">{local.month}月{local.day}日' in page
    # Series meetings are on the series page, not in the section's list of single meetings.
    assert first.get_absolute_url() not in page


def test_invalid_series_keeps_the_input_and_says_why(client, section, head):
    client.force_login(head)
    url = reverse("sections:series_create", args=[section.slug])
    today = timezone.localdate()
    cases = [
        ({"ends_on": (today - dt.timedelta(days=1)).isoformat()}, "終了日は開始日より後"),
        ({"ends_on": (today + dt.timedelta(days=800)).isoformat()}, "2年以内"),
        ({"end_by": "count", "count": "200"}, "2年以内"),
        ({"weekdays": []}, "曜日を1つ以上"),
        ({"repeat": "monthly_nth", "weekdays": ["TU"], "week_of_month": ""}, "第何週"),
        ({"repeat": "monthly_date", "month_day": "32"}, "1〜31"),
        ({"start_time": "25:99"}, "開始時刻は"),
        ({"join_url": "http://x"}, "https://"),
        ({"end_by": "count", "count": ""}, "回数を入力"),
    ]
    for overrides, message in cases:
        data = form_data(**overrides, title="残るタイトル")
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 422, overrides
        assert message in html, (overrides, message)
        assert 'value="残るタイトル"' in html  # the input stays
        assert "<html" not in html  # the htmx fragment
        plain = client.post(url, data)
        assert plain.status_code == 422 and message in plain.content.decode()
    assert MeetingSeries.objects.count() == 0 and Event.objects.count() == 0


def test_a_rule_with_no_dates_is_refused(client, section, head):
    client.force_login(head)
    holiday = next_holiday()
    data = form_data(
        weekdays=[BYDAY[holiday.weekday()]],
        starts_on=holiday.isoformat(),
        ends_on=holiday.isoformat(),
    )
    response = client.post(reverse("sections:series_create", args=[section.slug]), data)
    assert response.status_code == 422
    assert "開催日が1日もありません" in response.content.decode()
    assert MeetingSeries.objects.count() == 0


def test_only_heads_and_deputies_manage_series(client, section, head, member):
    series = create(section, head)
    meeting = series.meetings.first()
    client.force_login(member)
    urls = [
        reverse("sections:series_create", args=[section.slug]),
        reverse("sections:series_edit", args=[section.slug, series.pk]) + "?scope=all",
        reverse("sections:series_edit", args=[section.slug, series.pk])
        + f"?scope=following&from={meeting.pk}",
    ]
    for url in urls:
        assert client.get(url).status_code == 404
        assert client.post(url, form_data()).status_code == 404
    end = reverse("sections:series_end", args=[section.slug, series.pk])
    assert client.post(end).status_code == 404
    assert not Event.objects.filter(status="cancelled").exists()


def test_series_page_lists_meetings_holidays_and_past_notes_links(client, section, head, member):
    holiday = next_holiday()
    series = create(section, head, weekdays=[BYDAY[holiday.weekday()]])
    past_event_start = timezone.now() - dt.timedelta(days=7)
    past = MeetingFactory(
        section=section,
        series=series,
        original_date=timezone.localdate() - dt.timedelta(days=7),
        event__starts_at=past_event_start,
        event__ends_at=past_event_start + dt.timedelta(hours=1),
    )
    from sections import registry

    registry.register_meeting_links(
        registry.MeetingLinks(
            "test-notes", lambda user, meetings: {past.pk: [("議事メモ", "/notes/1/")]}
        )
    )
    try:
        client.force_login(member)
        response = client.get(series.get_absolute_url())
    finally:
        registry._meeting_links.pop("test-notes")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-holiday="{holiday.isoformat()}"' in html and "休み" in html
    assert jpholiday.is_holiday_name(holiday) in html
    assert html.count("data-meeting=") == series.meetings.count()
    assert 'href="/notes/1/"' in html and "議事メモ" in html
    assert "シリーズに参加する" in html


def test_join_and_leave_with_and_without_htmx(client, section, head, member):
    series = create(section, head, capacity=1)
    first = series.meetings.order_by("event__starts_at").first()
    other = SectionMembershipFactory(section=section).user
    Registration.objects.create(event=first.event, user=other, status="going")
    client.force_login(member)
    join = reverse("sections:series_join", args=[section.slug, series.pk])
    response = client.post(join, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "参加中" in html and "キャンセル待ち" in html
    assert SeriesSubscription.objects.filter(user=member).exists()
    statuses = set(Registration.objects.filter(user=member).values_list("status", flat=True))
    assert statuses == {"going", "waitlisted"}
    leave = reverse("sections:series_leave", args=[section.slug, series.pk])
    response = client.post(leave)
    assert response.status_code == 302
    assert not Registration.objects.filter(user=member, status__in=["going", "waitlisted"]).exists()
    # An outsider of a section-only series gets the reason, 422, nothing saved.
    client.force_login(MemberFactory())
    response = client.post(join, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "メンバー限定" in response.content.decode()


def test_edit_all_and_following_from_the_pages(client, section, head, member):
    series = create(section, head)
    meetings = list(series.meetings.select_related("event").order_by("event__starts_at"))
    client.force_login(head)
    url = reverse("sections:series_edit", args=[section.slug, series.pk])
    page = client.get(url + "?scope=all")
    assert page.status_code == 200 and 'name="repeat"' not in page.content.decode()
    data = {
        k: v for k, v in form_data(start_time="20:30").items() if k in page.context["form"].fields
    }
    response = client.post(url + "?scope=all", data)
    assert response.status_code == 302
    hours = {
        timezone.localtime(m.event.starts_at).strftime("%H:%M")
        for m in Meeting.objects.filter(series=series).select_related("event")
    }
    assert hours == {"20:30"}
    # この回以降 from the third meeting: Sundays from then on.
    third = meetings[2]
    following = f"{url}?scope=following&from={third.pk}"
    page = client.get(following)
    assert page.status_code == 200 and 'name="starts_on"' not in page.content.decode()
    response = client.post(following, form_data(weekdays=["SU"], start_time="20:30"))
    assert response.status_code == 302
    assert MeetingSeries.objects.count() == 2
    third.refresh_from_db()
    assert third.original_date.weekday() == 6
    # Bad input on the edit page: 422 with the reason, nothing changed.
    before = list(Event.objects.order_by("pk").values_list("starts_at", "status"))
    second = meetings[1]
    bad = client.post(
        f"{url}?scope=following&from={second.pk}",
        form_data(ends_on="2000-01-01"),
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422 and "終了日は開始日より後" in bad.content.decode()
    assert list(Event.objects.order_by("pk").values_list("starts_at", "status")) == before


def test_tampered_ids_are_404(client, section, head):
    series = create(section, head)
    other_section = SectionFactory()
    other_head = SectionMembershipFactory(section=other_section, role="head").user
    other = create(other_section, other_head)
    single = MeetingFactory(section=section)
    client.force_login(head)
    url = reverse("sections:series_edit", args=[section.slug, series.pk])
    for query in (
        f"?scope=following&from={other.meetings.first().pk}",  # another series' meeting
        f"?scope=following&from={single.pk}",  # not a series meeting
        "?scope=following",
        "?scope=following&from=abc",
        "?scope=following&from=99999999999999999999",
        "?scope=bogus",
    ):
        assert client.get(url + query).status_code == 404, query
    # Another section's series through our slug, and theirs to manage: 404.
    assert client.get(reverse("sections:series", args=[section.slug, other.pk])).status_code == 404
    edit_other = reverse("sections:series_edit", args=[other_section.slug, other.pk])
    assert client.get(edit_other + "?scope=all").status_code == 404
    end = reverse("sections:series_end", args=[section.slug, series.pk])
    assert client.post(end, {"from": other.meetings.first().pk}).status_code == 404
    assert not Event.objects.filter(status="cancelled").exists()


def test_editing_a_past_meeting_is_refused(client, section, head):
    series = create(section, head)
    start = timezone.now() - dt.timedelta(days=7)
    past = MeetingFactory(
        section=section,
        series=series,
        original_date=timezone.localdate() - dt.timedelta(days=7),
        event__starts_at=start,
        event__ends_at=start + dt.timedelta(hours=1),
    )
    client.force_login(head)
    edit = reverse("sections:meeting_edit", args=[section.slug, past.pk])
    response = client.post(edit, {"title": "書き換え"}, follow=True)
    assert "開始した回・終わった回は変更できません" in response.content.decode()
    cancel = reverse("sections:meeting_cancel", args=[section.slug, past.pk])
    response = client.post(cancel, follow=True)
    assert "開始した回・終わった回は変更できません" in response.content.decode()
    following = reverse("sections:series_edit", args=[section.slug, series.pk])
    response = client.post(
        f"{following}?scope=following&from={past.pk}", form_data(), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    past.event.refresh_from_db()
    assert past.event.title != "書き換え" and not past.event.is_cancelled


def test_end_the_series_from_the_page(client, section, head, member):
    series = create(section, head)
    client.force_login(head)
    response = client.post(reverse("sections:series_end", args=[section.slug, series.pk]))
    assert response.status_code == 302
    assert not Event.objects.filter(status="scheduled").exists()
    page = client.get(series.get_absolute_url()).content.decode()
    assert "今後の回はありません" in page


def test_series_ics_download_and_meeting_page_name_the_series(client, section, head, member):
    series = create(section, head)
    client.force_login(member)
    response = client.get(reverse("sections:series_ics", args=[section.slug, series.pk]))
    assert response.status_code == 200 and b"RRULE:FREQ=WEEKLY" in response.content
    meeting = series.meetings.first()
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "シリーズ「" in page and "毎週土曜 21:00〜" in page


def test_following_on_a_counted_series_keeps_its_last_date(client, section, head):
    series = create(section, head, ends_on=None, count=20)
    last = recurrence.last_rule_date(recurrence.Rule.of(series))
    third = series.meetings.order_by("original_date")[2]
    client.force_login(head)
    url = reverse("sections:series_edit", args=[section.slug, series.pk])
    page = client.get(f"{url}?scope=following&from={third.pk}")
    form = page.context["form"]
    assert form.initial["end_by"] == "date" and form.initial["ends_on"] == last
    data = form_data(start_time="20:00", ends_on=last.isoformat())
    assert client.post(f"{url}?scope=following&from={third.pk}", data).status_code == 302
    new = MeetingSeries.objects.exclude(pk=series.pk).get()
    assert recurrence.last_rule_date(recurrence.Rule.of(new)) == last
