"""No untranslated English in the admin (issue 10 item 14).

A superuser crawls the admin index, every app index, every changelist, add page and
change page (with at least one object of each registered model) and the staff-facing custom
pages (transition forms, registrants, episode generation, the action forms). On each page
the visible text of table headers, labels, headings, buttons, legends, captions and the
breadcrumbs must not contain an English word of three letters or more, except a few real
proper nouns (URL, CSV, TOTP, ...). E-mail addresses, URLs and slugs are data, not labels.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.core.admin_world import admin_world, custom_admin_pages

pytestmark = pytest.mark.django_db

# Proper nouns and the names of standards' fields (iCalendar's UID and SEQUENCE).
ALLOWED = {"URL", "CSV", "ICS", "TOTP", "Zoom", "WebAuthn", "Excel", "JSON", "UID", "SEQUENCE"}
WORD = re.compile(r"[A-Za-z]{3,}")
# Data, not labels: e-mail addresses, URLs, slugs, tokens (anything with a digit, a dot,
# an underscore or a hyphen inside).
DATA = re.compile(r"\S+@\S+|https?://\S+|[A-Za-z0-9]*[-_.0-9][A-Za-z0-9_.\-/]*")
LABEL_SELECTS = {"action", "permissions"}  # choices that are labels, not data
LABEL_TAGS = {"th", "label", "h1", "h2", "h3", "h4", "button", "legend", "caption"}


class Labels(HTMLParser):
    """Collects the visible text of label-like elements and the breadcrumbs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []
        self.hidden_depth = 0
        self.in_action_select = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        inside = any(flag for _, flag in self.stack)
        is_label = tag in LABEL_TAGS or "breadcrumbs" in classes or "button" in classes
        if tag == "th" and any(c.startswith("field-") for c in classes):
            is_label = False  # a changelist row's first cell: the object, i.e. data
        if tag == "select":
            self.in_action_select = a.get("name") in LABEL_SELECTS
        if tag == "option" and self.in_action_select:
            is_label = True  # the bulk actions' and permissions' names (others are data)
        if tag == "input" and a.get("type") in {"submit", "button"} and a.get("value"):
            self.texts.append(a["value"])
        if tag in {"input", "br", "img", "meta", "link", "hr"}:
            return
        hidden = tag in {"script", "style", "template"} or "hidden" in a
        self.stack.append((tag, (inside or is_label) and not hidden))
        if hidden:
            self.hidden_depth += 1

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag in {"script", "style", "template"}:
                self.hidden_depth = max(0, self.hidden_depth - 1)
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.hidden_depth or not self.stack or not self.stack[-1][1]:
            return
        if data.strip():
            self.texts.append(data.strip())


def english_words(html: str) -> set[str]:
    parser = Labels()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        for word in WORD.findall(DATA.sub(" ", text)):
            if word not in ALLOWED:
                found.add(f"{word} (in {text[:60]!r})")
    return found


def admin_pages(world) -> list[str]:
    urls = [reverse("admin:index")]
    apps = sorted({m._meta.app_label for m in admin.site._registry})
    urls += [reverse("admin:app_list", args=[label]) for label in apps]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append(reverse(f"{base}_changelist"))
        request = world.request
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{base}_add"))
        obj = model_admin.get_queryset(request).order_by("pk").first()
        assert obj is not None, f"the crawl needs a {opts.label} in the world"
        urls.append(reverse(f"{base}_change", args=[obj.pk]))
        try:
            urls.append(reverse(f"{base}_history", args=[obj.pk]))
        except NoReverseMatch:  # pragma: no cover - every ModelAdmin has one
            pass
    return urls


def test_no_english_label_on_any_admin_page(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    world = admin_world()
    client = Client()
    client.force_login(world.superuser)
    problems = {}
    pages = [("GET", url, None) for url in admin_pages(world)] + custom_admin_pages(world)
    for method, url, data in pages:
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code == 200, (method, url, response.status_code)
        words = english_words(response.content.decode())
        if words:
            problems[f"{method} {url}"] = sorted(words)
    assert len(pages) > 60
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_check_finds_english():
    html = (
        '<div class="breadcrumbs"><a href="/">ホーム</a> › Authenticators</div>'
        "<table><thead><tr><th>USER</th><th>メール</th></tr></thead>"
        "<tbody><tr><th><a>staff0@yokoito.example</a></th><td>Plain data</td></tr></tbody>"
        '</table><label>参加URL</label><h2>test-section-1</h2><input type="submit" value="Save">'
    )
    assert {w.split()[0] for w in english_words(html)} == {"Authenticators", "USER", "Save"}
