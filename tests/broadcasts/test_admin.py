import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from broadcasts.models import Episode
from tests.factories import EpisodeFactory, ProgrammeFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_generate_action_creates_missing_episodes_once(staff_client):
    programme = ProgrammeFactory(weekdays=[1, 3])  # Tue, Thu
    url = reverse("admin:broadcasts_programme_changelist")
    data = {"action": "generate_episodes", "_selected_action": [programme.pk]}
    page = staff_client.post(url, data)
    assert page.status_code == 200 and "放送回を生成する" in page.content.decode()
    data.update({"apply": "1", "start": "2026-04-06", "end": "2026-04-19"})
    response = staff_client.post(url, data, follow=True)
    assert "4 件作成しました" in response.content.decode()
    response = staff_client.post(url, data, follow=True)
    assert "0 件作成しました" in response.content.decode()
    assert Episode.objects.filter(programme=programme).count() == 4


def test_generate_page_rejects_a_reversed_range(staff_client):
    programme = ProgrammeFactory()
    url = reverse("admin:broadcasts_programme_generate", args=[programme.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"apply": "1", "start": "2026-04-10", "end": "2026-04-01"})
    assert response.status_code == 200
    assert "終了日は開始日以降にしてください" in response.content.decode()
    assert not Episode.objects.exists()


def test_programme_admin_saves_weekdays_as_numbers(staff_client):
    response = staff_client.post(
        reverse("admin:broadcasts_programme_add"),
        {
            "name": "新番組",
            "slug": "new",
            "weekdays": ["4", "0"],
            "default_start_time": "22:00",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from broadcasts.models import Programme

    assert Programme.objects.get(slug="new").weekdays == [0, 4]


def test_add_archive_url_after_airing_from_the_changelist(staff_client):
    aired = EpisodeFactory(air_date=timezone.localdate() - dt.timedelta(days=1))
    aired.starts_at -= dt.timedelta(days=1)
    aired.save()
    url = reverse("admin:broadcasts_episode_changelist")
    listing = staff_client.get(url, {"status": "ended"})
    assert listing.status_code == 200 and aired.display_title in listing.content.decode()
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(aired.pk),
        "form-0-archive_url": "https://video.example.jp/archive/9",
        "_save": "保存",
    }
    response = staff_client.post(url + "?status=ended", data)
    assert response.status_code == 302
    aired.refresh_from_db()
    assert aired.archive_url == "https://video.example.jp/archive/9"
    assert aired.status.label == "アーカイブあり"
    listing = staff_client.get(url, {"status": "archived", "q": aired.title})
    assert aired.display_title in listing.content.decode()


def test_episode_admin_form_sets_the_air_date_and_refuses_a_second_episode_that_day(staff_client):
    programme = ProgrammeFactory()
    EpisodeFactory(programme=programme, air_date=dt.date(2026, 4, 6))
    data = {
        "programme": programme.pk,
        "starts_at_0": "2026-04-06",
        "starts_at_1": "23:30",
        "duration": "01:00:00",
        "title": "二本目",
        "guests-TOTAL_FORMS": "0",
        "guests-INITIAL_FORMS": "0",
    }
    response = staff_client.post(reverse("admin:broadcasts_episode_add"), data)
    assert response.status_code == 200
    assert "2026-04-06 の放送回がすでにあります" in response.content.decode()
    data["starts_at_0"] = "2026-04-07"
    response = staff_client.post(reverse("admin:broadcasts_episode_add"), data)
    assert response.status_code == 302
    assert Episode.objects.get(title="二本目").air_date == dt.date(2026, 4, 7)


def test_admin_pages_render(staff_client):
    programme = ProgrammeFactory()
    episode = EpisodeFactory(programme=programme)
    change = staff_client.get(reverse("admin:broadcasts_programme_change", args=[programme.pk]))
    assert change.status_code == 200
    assert (
        reverse("admin:broadcasts_programme_generate", args=[programme.pk])
        in change.content.decode()
    )
    for url in (
        reverse("admin:broadcasts_programme_changelist"),
        reverse("admin:broadcasts_programme_add"),
        reverse("admin:broadcasts_episode_change", args=[episode.pk]),
        reverse("admin:broadcasts_episode_add"),
        reverse("admin:broadcasts_follow_changelist"),
    ):
        assert staff_client.get(url).status_code == 200, url
    for status in ("scheduled", "on_air", "ended", "archived"):
        assert (
            staff_client.get(
                reverse("admin:broadcasts_episode_changelist"), {"status": status}
            ).status_code
            == 200
        )


def test_generate_page_is_staff_only(client):
    from tests.factories import MemberFactory

    programme = ProgrammeFactory()
    client.force_login(MemberFactory())
    url = reverse("admin:broadcasts_programme_generate", args=[programme.pk])
    response = client.post(url, {"apply": "1", "start": "2026-04-06", "end": "2026-04-12"})
    assert response.status_code == 302
    assert not Episode.objects.exists()
