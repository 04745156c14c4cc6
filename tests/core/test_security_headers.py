"""Security headers (issue 9, item 10): one middleware, `core.middleware.SecurityHeadersMiddleware`.

- Content-Security-Policy on every page: `default-src 'self'`, no inline script, no
  inline style, `frame-ancestors 'none'` except the coverage embed, `form-action 'self'`,
  `base-uri 'self'`, `object-src 'none'`.
- Permissions-Policy: every powerful feature off.
- `Cache-Control: private, no-store` on every response to a signed-in request that is not
  a public page; public pages (coverage: ETag/304, fast path) keep their caching.
- No inline script, event handler attribute or inline style in templates/."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core.access import ADMIN, ALLAUTH, APPLICANT, MEMBER, member, public
from core.middleware import SecurityHeadersMiddleware, csp_override, no_store_exempt
from tests.accounts.test_access_matrix import concrete
from tests.core.test_url_policy import all_routes
from tests.factories import (
    ApplicantFactory,
    MemberFactory,
    SectionFactory,
    SectionMembershipFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

NO_STORE = "private, no-store"


def csp_of(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no CSP on {response.status_code} {response.get('Content-Type')}"
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value.strip()
    return directives


def assert_strict_csp(response, *, frame_ancestors="'none'") -> None:
    csp = csp_of(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert "unsafe" not in csp.get("style-src", "'self'")
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == frame_ancestors
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


# --- public pages --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["landing", "account_login", "account_signup", "healthz"])
def test_public_pages_get_the_policy(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_strict_csp(response)


def test_public_pages_keep_their_own_caching_for_the_signed_in(client):
    client.force_login(MemberFactory())
    assert "no-store" not in client.get(reverse("landing")).get("Cache-Control", "")
    # allauth's and healthz's own never_cache stays as they set it.
    assert client.get(reverse("healthz"))["Cache-Control"] != NO_STORE


def test_coverage_keeps_its_etag_304_and_fast_path_and_carries_the_policy(
    client, local_governments
):
    first = client.get(reverse("coverage"))  # full stack, then stored by the fast path
    assert first.status_code == 200
    assert_strict_csp(first)
    etag = first["ETag"]
    replayed = client.get(reverse("coverage"))  # answered from memory after WhiteNoise
    assert replayed.status_code == 200 and replayed["ETag"] == etag
    assert_strict_csp(replayed)
    assert "no-store" not in replayed.get("Cache-Control", "")
    not_modified = client.get(reverse("coverage"), HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304


def test_coverage_for_a_signed_in_member_keeps_its_caching(client, local_governments):
    client.force_login(MemberFactory())
    response = client.get(reverse("coverage"))
    assert response.status_code == 200 and response.has_header("ETag")
    assert "no-store" not in response.get("Cache-Control", "")
    assert client.get(reverse("coverage"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_only_the_embed_may_be_framed_by_other_sites(client, local_governments):
    for _ in range(2):  # the full stack, then the fast path's stored copy
        response = client.get(reverse("coverage_embed"))
        assert response.status_code == 200
        assert_strict_csp(response, frame_ancestors="*")
        assert not response.has_header("X-Frame-Options")
    page = client.get(reverse("coverage"))
    assert csp_of(page)["frame-ancestors"] == "'none'"
    assert page["X-Frame-Options"] == "DENY"


def test_error_pages_carry_the_policy_too(client):
    assert_strict_csp(client.get("/no-such-page/"))
    assert_strict_csp(client.get("/coverage/?prefecture=%00"))  # refused before any view


# --- member and applicant pages ------------------------------------------------------------


def _member_pages() -> list[str]:
    return sorted({concrete(route) for route, policy in all_routes() if policy == MEMBER})


def test_every_member_page_is_private_no_store(client):
    user = MemberFactory()
    section = SectionFactory()
    SectionMembershipFactory(section=section, user=user)
    client.force_login(user)
    paths = [*_member_pages(), section.get_absolute_url(), reverse("home")]
    seen = 0
    for path in paths:
        response = client.get(path)
        assert response["Cache-Control"] == NO_STORE, (path, response.status_code)
        assert_strict_csp(response)
        seen += response.status_code == 200
    assert seen >= 10  # the walk reached real pages, not only 404s


def test_htmx_fragments_of_member_pages_are_no_store(client):
    client.force_login(MemberFactory())
    response = client.get(reverse("sections:directory"), {"q": "課"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_applicant_allauth_and_admin_pages_are_no_store_for_the_signed_in(client):
    client.force_login(ApplicantFactory())
    for name in ("application_status", "application_edit", "orientation", "account_email"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Cache-Control"] == NO_STORE, name
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200 and response["Cache-Control"] == NO_STORE
    assert_strict_csp(response)
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Cache-Control"] == NO_STORE


def test_anonymous_redirect_from_a_member_page_keeps_default_caching(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "no-store" not in response.get("Cache-Control", "")


# --- the decorators ------------------------------------------------------------------------


def _run(view, *, user=None, path="/x/"):
    request = RequestFactory().get(path)
    if user is not None:
        request.user = user
    middleware = SecurityHeadersMiddleware(lambda req: view(req))
    middleware.process_view(request, view, (), {})
    return middleware(request)


def test_csp_override_replaces_one_directive_for_one_view(db):
    @public
    @csp_override(frame_ancestors="*", img_src="'self' https://tiles.example.jp")
    def view(request):
        return HttpResponse("ok")

    csp = csp_of(_run(view))
    assert csp["frame-ancestors"] == "*"
    assert csp["img-src"] == "'self' https://tiles.example.jp"
    assert csp["script-src"] == "'self'"


def test_no_store_exempt_lets_one_member_view_keep_its_own_caching(db):
    @member
    @no_store_exempt
    def exempt(request):
        response = HttpResponse("ok")
        response["Cache-Control"] = "private, max-age=60"
        return response

    @member
    def normal(request):
        response = HttpResponse("ok")
        response["Cache-Control"] = "public, max-age=600"
        return response

    user = MemberFactory()
    assert _run(exempt, user=user)["Cache-Control"] == "private, max-age=60"
    assert _run(normal, user=user)["Cache-Control"] == NO_STORE


def test_policies_that_get_no_store_for_the_signed_in():
    from core.middleware import NO_STORE_POLICIES

    assert {MEMBER, APPLICANT, ALLAUTH, ADMIN} <= set(NO_STORE_POLICIES)


# --- the templates ---------------------------------------------------------------------------


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if tag == "script" and "src" not in names:
            if names.get("type") not in ("application/json", "application/ld+json"):
                self.problems.append(f"line {self.getpos()[0]}: inline <script>")
        if tag == "style":
            self.problems.append(f"line {self.getpos()[0]}: <style> element")
        for name in names:
            if name.startswith("on"):
                self.problems.append(f"line {self.getpos()[0]}: event handler {name}=")
            if name == "style":
                self.problems.append(f"line {self.getpos()[0]}: style= attribute")
            if name.startswith("hx-on"):
                self.problems.append(f"line {self.getpos()[0]}: {name} needs eval")


def test_templates_have_no_inline_script_handler_or_style():
    problems = []
    root = Path(settings.BASE_DIR) / "templates"
    for path in sorted(root.rglob("*.html")):
        finder = _InlineFinder()
        # Template tags may sit inside attributes; keep them from confusing the parser.
        text = re.sub(r"{% comment %}.*?{% endcomment %}|{#.*?#}", "", path.read_text(), flags=re.S)
        text = re.sub(r"{%.*?%}|{{.*?}}", "x", text, flags=re.S)
        finder.feed(text)
        problems += [f"{path.relative_to(root)} {p}" for p in finder.problems]
    assert problems == []


def test_htmx_is_configured_without_eval_or_injected_styles(client):
    body = client.get(reverse("landing")).content.decode()
    meta = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', body)
    assert meta, "htmx-config meta tag"
    import json

    config = json.loads(meta.group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
