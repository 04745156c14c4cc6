import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from broadcasts.models import Episode, Follow, Guest
from tests.factories import (
    ApplicantFactory,
    EpisodeFactory,
    FollowFactory,
    GuestFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    return response.content.decode()


def episode_at(starts_at, **kwargs) -> Episode:
    return EpisodeFactory(
        air_date=timezone.localtime(starts_at).date(), starts_at=starts_at, **kwargs
    )


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tonight", "schedule", "archive", "programmes"])
def test_pages_are_for_members_only(client, name):
    url = reverse(f"broadcasts:{name}")
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(ApplicantFactory())
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" not in response["Location"]


# --- tonight -----------------------------------------------------------------------------


def test_tonight_empty_state(member_client):
    response = member_client.get(reverse("broadcasts:tonight"))
    assert response.status_code == 200
    assert "予定されている放送はまだありません" in html(response)


def test_tonight_shows_the_next_episode_without_live_link(member_client):
    now = timezone.now()
    past = episode_at(now - dt.timedelta(days=1), title="昨日の回")
    nxt = episode_at(
        now + dt.timedelta(hours=3), title="今夜のテーマ", live_url="https://live.example.jp/x"
    )
    GuestFactory(episode=nxt, name="鈴木 一郎", affiliation="総務省")
    body = html(member_client.get(reverse("broadcasts:tonight")))
    assert "次の放送" in body and "今夜のテーマ" in body
    assert "鈴木 一郎（総務省）" in body
    assert "ただいま放送中" not in body
    assert "https://live.example.jp/x" not in body
    assert "昨日の回" not in body
    # Running count: the episode that aired yesterday.
    assert re.search(r'data-testid="aired-count">1<', body)
    assert past.pk


def test_tonight_on_air_shows_indicator_and_live_link(member_client):
    now = timezone.now()
    episode_at(
        now - dt.timedelta(minutes=10), title="生放送中", live_url="https://live.example.jp/on"
    )
    episode_at(now + dt.timedelta(days=1), title="明日の回")
    body = html(member_client.get(reverse("broadcasts:tonight")))
    assert "ただいま放送中" in body
    assert 'href="https://live.example.jp/on"' in body
    assert "このあとの放送" in body and "明日の回" in body


# --- schedule ----------------------------------------------------------------------------


def test_schedule_week_navigation_without_htmx(member_client):
    programme = ProgrammeFactory()
    EpisodeFactory(
        programme=programme,
        air_date=dt.date(2026, 4, 8),
        starts_at=dt.datetime(2026, 4, 8, 13, 0, tzinfo=dt.UTC),
        title="水曜の回",
    )
    EpisodeFactory(
        programme=programme,
        air_date=dt.date(2026, 4, 13),
        starts_at=dt.datetime(2026, 4, 13, 13, 0, tzinfo=dt.UTC),
        title="翌週の回",
    )
    url = reverse("broadcasts:schedule")
    response = member_client.get(url, {"week": "2026-04-08"})
    body = html(response)
    assert response.status_code == 200
    assert "<html" in body
    assert "2026年4月6日（月）〜4月12日（日）" in body
    assert "水曜の回" in body and "翌週の回" not in body
    assert f'href="{url}?week=2026-04-13"' in body
    assert f'href="{url}?week=2026-03-30"' in body
    body = html(member_client.get(url, {"week": "2026-04-13"}))
    assert "翌週の回" in body and "水曜の回" not in body


def test_schedule_week_navigation_with_htmx_returns_the_fragment(member_client):
    EpisodeFactory(
        air_date=dt.date(2026, 4, 8),
        starts_at=dt.datetime(2026, 4, 8, 13, 0, tzinfo=dt.UTC),
        title="水曜の回",
    )
    response = member_client.get(reverse("broadcasts:schedule"), {"week": "2026-04-08"}, **HX)
    body = html(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="week"')
    assert "水曜の回" in body
    assert 'hx-push-url="true"' in body
    assert "HX-Request" in response["Vary"]


def test_schedule_defaults_to_this_week(member_client):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    body = html(member_client.get(reverse("broadcasts:schedule")))
    assert f"{monday.year}年{monday.month}月{monday.day}日（月）" in body
    assert "今日" in body


@pytest.mark.parametrize(
    "week", ["garbage", "2026-13-01", "2026-02-30", "99999-01-01", "1900-01-01"]
)
def test_schedule_bad_week_is_a_clear_message_not_a_500(member_client, week):
    response = member_client.get(reverse("broadcasts:schedule"), {"week": week})
    assert response.status_code == 400
    body = html(response)
    assert "週の指定が" in body
    assert "今週の番組表を表示しています" in body


def test_schedule_bad_week_over_htmx_is_a_422_fragment_with_the_message(member_client):
    # htmx swaps only 422 (static/js/yokoito.js): a 400 left the old week on screen with
    # no message at all.
    response = member_client.get(reverse("broadcasts:schedule"), {"week": "2026-13-45"}, **HX)
    assert response.status_code == 422
    body = html(response)
    assert "週の指定が" in body and "<html" not in body


# --- archive -----------------------------------------------------------------------------


@pytest.fixture
def archive_rows():
    now = timezone.now()
    night = ProgrammeFactory(name="横糸ナイト", slug="night")
    morning = ProgrammeFactory(name="朝の庁内ニュース", slug="morning")
    a = episode_at(
        now - dt.timedelta(days=3),
        programme=night,
        title="防災DXの最前線",
        personalities="山田 花子",
    )
    b = episode_at(
        now - dt.timedelta(days=2), programme=night, title="窓口改革", personalities="佐藤 一郎"
    )
    GuestFactory(episode=b, name="高橋 真理", affiliation="仙台市 危機管理局")
    c = episode_at(
        now - dt.timedelta(days=1),
        programme=morning,
        title="予算の読み方",
        personalities="山田 花子",
    )
    future = episode_at(now + dt.timedelta(days=1), programme=night, title="未来の防災")
    return a, b, c, future


def titles(body: str) -> list[str]:
    return re.findall(r'<h3 class="bc-episode__title"><a href="[^"]+">([^<]+)</a>', body)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["予算の読み方", "窓口改革", "防災DXの最前線"]),
        ({"q": "防災"}, ["防災DXの最前線"]),  # theme; the future episode is not in the archive
        ({"q": "山田"}, ["予算の読み方", "防災DXの最前線"]),  # personality
        ({"q": "高橋"}, ["窓口改革"]),  # guest name
        ({"q": "仙台市"}, ["窓口改革"]),  # guest affiliation
        ({"q": "朝の庁内"}, ["予算の読み方"]),  # programme name
        ({"programme": "night"}, ["窓口改革", "防災DXの最前線"]),
        ({"programme": "night", "q": "山田"}, ["防災DXの最前線"]),
        ({"q": "山田 予算"}, ["予算の読み方"]),  # every word must match
        ({"q": "存在しない言葉"}, []),
    ],
)
def test_archive_search(member_client, archive_rows, params, expected):
    response = member_client.get(reverse("broadcasts:archive"), params)
    assert response.status_code == 200
    assert titles(html(response)) == expected
    if not expected:
        assert "条件に合う放送は見つかりませんでした" in html(response)


def test_archive_unknown_programme_is_a_400_with_the_error(member_client, archive_rows):
    response = member_client.get(reverse("broadcasts:archive"), {"programme": "nope"})
    assert response.status_code == 400
    assert 'class="errorlist"' in html(response)
    # The search still renders (all aired episodes), not an error page.
    assert len(titles(html(response))) == 3


def test_archive_pagination_keeps_the_search(member_client, settings):
    settings.BROADCAST_ARCHIVE_PAGE_SIZE = 5
    programme = ProgrammeFactory(slug="night")
    start = timezone.now() - dt.timedelta(days=30)
    for i in range(12):
        episode_at(start + dt.timedelta(days=i), programme=programme, title=f"回{i:02d} 防災")
    url = reverse("broadcasts:archive")
    first = html(member_client.get(url, {"q": "防災"}))
    assert titles(first) == [f"回{i:02d} 防災" for i in range(11, 6, -1)]
    assert "12 件" in first
    assert 'href="?q=%E9%98%B2%E7%81%BD&amp;page=2"' in first
    page3 = member_client.get(url, {"q": "防災", "page": "3"}, **HX)
    body = html(page3)
    assert "<html" not in body and body.lstrip().startswith('<section id="results"')
    assert titles(body) == ["回01 防災", "回00 防災"]
    assert "HX-Request" in page3["Vary"]
    # A page number out of range or garbage still answers with a page, not an error.
    assert titles(html(member_client.get(url, {"q": "防災", "page": "999"}))) == titles(body)
    assert member_client.get(url, {"page": "abc"}).status_code == 200


def test_running_count_on_archive(member_client, archive_rows):
    body = html(member_client.get(reverse("broadcasts:archive")))
    assert re.search(r'data-testid="aired-count">3<', body)


# --- episode -----------------------------------------------------------------------------


def test_episode_page(member_client):
    e = episode_at(
        timezone.now() - dt.timedelta(days=2),
        title="アーカイブ回",
        archive_url="https://video.example.jp/a/1",
        description="内容の説明",
    )
    GuestFactory(episode=e, name="田中 次郎", affiliation="大阪府")
    body = html(member_client.get(e.get_absolute_url()))
    assert "アーカイブ回" in body and "アーカイブあり" in body
    assert 'href="https://video.example.jp/a/1"' in body
    assert "田中 次郎（大阪府）" in body


def test_tampered_episode_id_is_404(member_client):
    e = EpisodeFactory()
    assert member_client.get(reverse("broadcasts:episode", args=[e.pk + 1000])).status_code == 404
    assert member_client.get("/broadcasts/episodes/abc/").status_code == 404
    assert member_client.get("/broadcasts/episodes/-1/").status_code == 404
    assert member_client.get("/broadcasts/programmes/no-such/").status_code == 404
    assert member_client.post("/broadcasts/programmes/no-such/follow/").status_code == 404


# --- following ---------------------------------------------------------------------------


def test_follow_and_unfollow_without_javascript(member_client, member):
    programme = ProgrammeFactory()
    tonight = reverse("broadcasts:tonight")
    response = member_client.post(
        reverse("broadcasts:follow", args=[programme.slug]), {"next": tonight}
    )
    assert response.status_code == 302 and response["Location"] == tonight
    follow = Follow.objects.get(user=member, programme=programme)
    assert (follow.mode, follow.remind_minutes_before) == ("reminder", 30)
    # Following twice changes nothing.
    member_client.post(reverse("broadcasts:follow", args=[programme.slug]))
    assert Follow.objects.filter(user=member).count() == 1
    response = member_client.post(
        reverse("broadcasts:unfollow", args=[programme.slug]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == programme.get_absolute_url()
    assert not Follow.objects.exists()


def test_follow_with_htmx_swaps_the_box(member_client, member):
    programme = ProgrammeFactory()
    response = member_client.post(reverse("broadcasts:follow", args=[programme.slug]), **HX)
    body = html(response)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<div class="bc-follow" id="follow-{programme.slug}">')
    assert "フォロー中" in body and "フォローを解除" in body
    response = member_client.post(reverse("broadcasts:unfollow", args=[programme.slug]), **HX)
    assert "をフォロー</button>" in html(response)
    assert not Follow.objects.filter(user=member).exists()


def test_follow_settings_digest(member_client, member):
    programme = ProgrammeFactory()
    url = reverse("broadcasts:follow", args=[programme.slug])
    response = member_client.post(
        url,
        {
            "mode": "digest",
            "remind_minutes_before": "30",
            "digest_time": "06:45",
            "with_settings": "1",
        },
        **HX,
    )
    assert response.status_code == 200
    assert "毎日 06:45" in html(response)
    assert 'id="follow-settings"' in html(response)
    follow = Follow.objects.get(user=member)
    assert (follow.mode, follow.digest_time) == ("digest", dt.time(6, 45))


@pytest.mark.parametrize("htmx", [True, False])
def test_follow_invalid_settings_re_render_with_errors(member_client, member, htmx):
    programme = ProgrammeFactory()
    FollowFactory(user=member, programme=programme, remind_minutes_before=15)
    response = member_client.post(
        reverse("broadcasts:follow", args=[programme.slug]),
        {
            "mode": "reminder",
            "remind_minutes_before": "0",
            "digest_time": "07:00",
            "with_settings": "1",
        },
        **(HX if htmx else {}),
    )
    assert response.status_code == 422
    assert 'class="errorlist' in html(response)
    assert Follow.objects.get(user=member).remind_minutes_before == 15


def test_follow_needs_post(member_client):
    programme = ProgrammeFactory()
    assert member_client.get(reverse("broadcasts:follow", args=[programme.slug])).status_code == 405


def test_programmes_page_shows_follow_state(member_client, member):
    followed, other = ProgrammeFactory(name="フォロー済み番組"), ProgrammeFactory(name="他の番組")
    FollowFactory(user=member, programme=followed)
    body = html(member_client.get(reverse("broadcasts:programmes")))
    assert body.count("フォロー中") == 1
    assert f"「{other.name}」をフォロー" in body


# --- query counts with a year of daily episodes ------------------------------------------


@pytest.fixture
def year_of_episodes(member):
    programme = ProgrammeFactory(slug="night")
    other = ProgrammeFactory(slug="morning")
    today = timezone.localdate()
    start = today - dt.timedelta(days=300)
    episodes = []
    for i in range(365):
        day = start + dt.timedelta(days=i)
        for prog in (programme, other):
            episodes.append(
                Episode(
                    programme=prog,
                    air_date=day,
                    starts_at=dt.datetime.combine(
                        day, dt.time(22, 0), tzinfo=timezone.get_default_timezone()
                    ),
                    duration=dt.timedelta(hours=1),
                    title=f"{prog.slug} {day} のテーマ",
                    personalities="山田 花子、佐藤 一郎",
                    archive_url="https://video.example.jp/a" if day < today else "",
                )
            )
    Episode.objects.bulk_create(episodes)
    guests = [
        Guest(episode=e, name=f"ゲスト{e.pk}-{n}", affiliation="横浜市")
        for e in Episode.objects.all()
        for n in range(2)
    ]
    Guest.objects.bulk_create(guests)
    FollowFactory(user=member, programme=programme)
    assert Episode.objects.count() == 730
    return programme


def test_tonight_query_count(member_client, year_of_episodes, django_assert_max_num_queries):
    live = episode_at(timezone.now() - dt.timedelta(minutes=10), programme=ProgrammeFactory())
    GuestFactory(episode=live)
    # session, user, on air (+ its guests), next episodes, their guests, follows, count
    with django_assert_max_num_queries(8):
        response = member_client.get(reverse("broadcasts:tonight"))
    assert response.status_code == 200


def test_schedule_query_count(member_client, year_of_episodes, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = member_client.get(reverse("broadcasts:schedule"))
    assert html(response).count('class="bc-slot"') == 14
    with django_assert_max_num_queries(4):
        member_client.get(reverse("broadcasts:schedule"), {"week": "2026-01-01"}, **HX)


def test_archive_query_count(member_client, year_of_episodes, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        response = member_client.get(reverse("broadcasts:archive"))
    assert len(titles(html(response))) == 20
    # + the chosen programme (form validation)
    with django_assert_max_num_queries(8):
        response = member_client.get(
            reverse("broadcasts:archive"), {"q": "ゲスト 横浜市", "programme": "night", "page": "3"}
        )
    assert len(titles(html(response))) == 20


def test_episode_and_programme_query_count(
    member_client, year_of_episodes, django_assert_max_num_queries
):
    episode = Episode.objects.first()
    with django_assert_max_num_queries(5):
        assert member_client.get(episode.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(6):
        assert member_client.get(year_of_episodes.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(4):
        assert member_client.get(reverse("broadcasts:programmes")).status_code == 200


def test_home_panel_shows_the_next_episode(rf, member, django_assert_max_num_queries):
    from django.template.loader import render_to_string

    assert "予定されている放送はまだありません" in render_to_string("broadcasts/_home_panel.html")
    episode_at(timezone.now() + dt.timedelta(hours=1), title="ホームに出る回")
    with django_assert_max_num_queries(4):
        body = render_to_string("broadcasts/_home_panel.html")
    assert "ホームに出る回" in body and "次の庁内放送" in body


@pytest.mark.parametrize("target", ["abc", "broadcasts:tonight", "https://evil.example/"])
def test_unfollow_next_that_is_not_a_path_on_this_site_falls_back_to_the_programme(client, target):
    # A bare word was handed to redirect(), which tried to reverse it as a view name (500).
    follow = FollowFactory()
    client.force_login(follow.user)
    url = reverse("broadcasts:unfollow", args=[follow.programme.slug])
    response = client.post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == follow.programme.get_absolute_url()
    assert not Follow.objects.filter(pk=follow.pk).exists()
