"""No page loads anything from another host (municipal LGWAN networks block them)."""

import re

import pytest
from django.urls import reverse

from tests.factories import ApplicantFactory, MemberFactory

pytestmark = pytest.mark.django_db

ASSET = re.compile(
    r"<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc=\"([^\"]+)\""
    r"|<link\b[^>]*\bhref=\"([^\"]+)\""
    r"|url\(([^)]+)\)"
    r"|@import\s+[\"']([^\"']+)"
)
PUBLIC = ["landing", "coverage", "coverage_embed", "account_login", "account_signup"]
APPLICANT = ["application_status", "application_edit", "orientation"]
MEMBER = [
    "home", "directory", "profile_edit", "sections:directory", "broadcasts:tonight",
    "broadcasts:schedule", "broadcasts:archive", "broadcasts:programmes", "trainings:list",
    "events:calendar",
]  # fmt: skip


def assets(html: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in ASSET.finditer(html)]


def assert_local(client, names):
    for name in names:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        found = assets(response.content.decode())
        assert found, f"{name}: no assets found, the check would prove nothing"
        for url in found:
            url = url.strip("'\" ")
            assert not re.match(r"^(https?:)?//", url), f"{name} loads {url}"


def test_public_pages_use_only_local_assets(client):
    assert_local(client, PUBLIC)


def test_applicant_pages_use_only_local_assets(client):
    client.force_login(ApplicantFactory(status="needs_info"))
    assert_local(client, APPLICANT)


def test_member_pages_use_only_local_assets(client):
    client.force_login(MemberFactory())
    assert_local(client, MEMBER)


def test_stylesheets_import_nothing_from_elsewhere():
    from django.contrib.staticfiles import finders

    for path in (
        "css/yokoito.css",
        "css/coverage.css",
        "vendor/digital-go-jp-design-tokens-1.1.9.css",
    ):
        with open(finders.find(path), encoding="utf-8") as fh:
            text = fh.read()
        for url in assets(text):
            assert not re.match(r"^[\"']?(https?:)?//", url), f"{path} loads {url}"
