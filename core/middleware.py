"""Input that no page can use is refused before any view runs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

NUL = "\x00"
NUL_MESSAGE = (
    "リクエストに使えない文字（NUL 文字）が含まれています。入力を確かめてもう一度お試しください。"
)


def _has_nul(querydict) -> bool:
    return any(NUL in key or any(NUL in v for v in values) for key, values in querydict.lists())


class RejectNulMiddleware:
    """400 for a NUL character in the path, the query string or a form field.

    No form of ours accepts NUL (Django's CharField refuses it), but a value read with
    `request.GET.get(...)`, a path token or an admin filter went to the database as it
    was, and PostgreSQL refuses NUL in text with an error (a 500). Nothing legitimate
    contains NUL, so it is refused here once, for every view including the admin. A NUL in
    the session cookie is treated as no session (it would reach the session lookup too).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        cookie = settings.SESSION_COOKIE_NAME
        if NUL in request.COOKIES.get(cookie, ""):
            del request.COOKIES[cookie]
        if NUL in request.path or _has_nul(request.GET) or _has_nul(request.POST):
            return HttpResponseBadRequest(
                f'<!doctype html><html lang="ja"><meta charset="utf-8">'
                f"<title>不正なリクエスト</title><p>{NUL_MESSAGE}</p></html>",
                content_type="text/html; charset=utf-8",
            )
        return self.get_response(request)


# --- Security headers --------------------------------------------------------------------------
#
# One middleware sets them for every response of the Django stack (placed right after the
# coverage fast path: the responses that path keeps and replays were built through this
# middleware, so they carry the same headers). Views change them only by a mark:
#
#   @csp_override(frame_ancestors="*")   replace CSP directives for this view
#   @no_store_exempt                     keep the view's own Cache-Control when signed in
#
# Pages are cached (the coverage page is rendered once per data version and replayed from
# memory), so the policy cannot use a per-request nonce: no inline script, no inline event
# handler, no inline style, anywhere. JavaScript lives in static/js/ (docs/architecture.md,
# "Security headers").

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    # No style= attributes and no <style> elements in our templates. Scripts may still set
    # element.style (CSSOM), which CSP does not restrict.
    "style-src": "'self'",
    # data: for the TOTP QR code allauth shows as a data: URI image.
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Only features Chromium knows (an unknown one is a console warning on every page).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "geolocation", "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip
NO_STORE = "private, no-store"
# Views whose responses to a signed-in request are personal: everything but @public.
NO_STORE_POLICIES = ("member", "applicant", "allauth", "admin", None)


def csp_override(**directives: str):
    """Replace CSP directives for one view, e.g. ``@csp_override(frame_ancestors="*")``
    (underscores stand for hyphens)."""
    overrides = {name.replace("_", "-"): value for name, value in directives.items()}

    def decorator(view):
        view.csp_override = {**getattr(view, "csp_override", {}), **overrides}
        return view

    return decorator


def no_store_exempt(view):
    """Keep this view's own Cache-Control for signed-in requests (it must then decide
    itself that nothing personal is stored by a shared cache)."""
    view.no_store_exempt = True
    return view


def _mark(view_func, name: str, default):
    for candidate in (view_func, getattr(view_func, "view_class", None)):
        value = getattr(candidate, name, None)
        if value is not None:
            return value
    return default


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy, and `Cache-Control: private, no-store`
    for a signed-in request to any page that is not public."""

    def __init__(self, get_response):
        self.get_response = get_response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from .access import policy_of

        match = request.resolver_match
        request._security_view = (
            view_func,
            policy_of(view_func, match.namespaces if match else ()),
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        response = self.get_response(request)
        view_func, policy = getattr(request, "_security_view", (None, None))
        if not (settings.DEBUG and response.status_code in (404, 500)):
            # (DEBUG's technical error pages carry inline script and style.)
            csp = {**CSP, **_mark(view_func, "csp_override", {})}
            response.headers.setdefault(
                "Content-Security-Policy", "; ".join(f"{k} {v}" for k, v in csp.items())
            )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and policy in NO_STORE_POLICIES
            and not _mark(view_func, "no_store_exempt", False)
        ):
            response.headers["Cache-Control"] = NO_STORE
        return response
