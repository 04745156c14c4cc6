import re

import pytest
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_landing_explains_who_may_join_and_shows_counts(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ja"' in html
    assert "現役の公務員だけ" in html
    assert "1,788" in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert "X-CSRFToken" in html


def test_no_page_references_another_host(client):
    html = client.get("/").content.decode()
    for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", url), url


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "unavailable"}


def test_healthz_reports_a_cache_that_does_not_answer_as_degraded_but_200(client, monkeypatch):
    from django.core.cache import cache

    assert client.get(reverse("healthz")).json()["cache"] == "ok"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["cache"] == "unavailable"
    assert response.json()["status"] == "degraded"


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_static_assets_are_vendored():
    from django.contrib.staticfiles import finders

    for path in (
        "vendor/htmx-2.0.11.min.js",
        "vendor/digital-go-jp-design-tokens-1.1.9.css",
        "css/yokoito.css",
    ):
        assert finders.find(path), path
