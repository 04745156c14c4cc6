"""Coverage, computed and kept: the one home of every cache behind the public coverage outputs.

Shared between processes (the Django cache, i.e. Redis in production):

- the computed numbers (`CoverageData`), one entry (`COVERAGE_CACHE_KEY`) that lives at
  most `COVERAGE_TTL` seconds and is dropped by `forget()` when membership changes; a
  stamp (`COVERAGE_STAMP_KEY`) so that recomputing unchanged numbers keeps the same
  version and 最終更新; a generation (`COVERAGE_GENERATION_KEY`) so that a result computed
  before an invalidation and stored after it is never used; a lock (`COVERAGE_LOCK_KEY`)
  so that one caller at a time recomputes (no stampede: an entry older than
  `COVERAGE_REFRESH_AFTER` is refreshed by one caller while the others keep using it, and
  after an invalidation the others wait briefly for the one computing).

Kept in each process (`_memo`), all dropped by `forget()` except the geometry:

- the numbers as last read, for `COVERAGE_LOCAL_SECONDS`, so that a request does not
  read and unpickle the shared entry;
- the local-government rows (names, readings, coordinates), keyed by their fingerprint;
- the rendered outputs of the current data version: the map SVGs and the complete
  anonymous responses that `middleware.CoverageFastPathMiddleware` replays;
- the projected prefecture outlines (from a file in the repository: never stale).

`response_key()` is the one key function: what an anonymous response depends on. `etag()`
is built from the same variant. Nobody else keeps coverage state: the SVG renderer
(`svgmap`) receives its rows and outlines, the selectors read a `CoverageData`.

Who counts is decided by the accounts app (it owns the members). It registers one function
at start-up (`members_source_register`, from `accounts.apps`) that returns, in one query,
how many members count for each local government; this module never imports accounts.
The cache is an optimisation, never a dependency: with the shared cache unreachable
(`core.cache.ResilientRedisCache` falls back to this process's memory) everything here
still works, per process.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from . import svgmap
from .forms import CoverageQuery, coverage_query_parse
from .models import LocalGovernment

TOTAL_LOCAL_GOVERNMENTS = 1788
COVERAGE_CACHE_KEY = "coverage:data:v2"
COVERAGE_STAMP_KEY = "coverage:stamp:v2"
COVERAGE_GENERATION_KEY = "coverage:generation:v1"
COVERAGE_LOCK_KEY = "coverage:lock:v1"
COVERAGE_LOCK_SECONDS = 10
# The page reflects a change within a minute even if an invalidation is missed: the entry
# expires after COVERAGE_TTL, and under traffic is refreshed after COVERAGE_REFRESH_AFTER.
COVERAGE_TTL = 60
COVERAGE_REFRESH_AFTER = 45
# Each process reuses what it read from the shared cache for this long (seconds); an
# invalidation in another process is seen after at most this delay (in this one, at once).
COVERAGE_LOCAL_SECONDS = 2.0
# At most this many rendered outputs (maps, responses) per process, all of one version.
RENDERED_LIMIT = 1024


# --- The data -------------------------------------------------------------------------------
class LocalGovernmentRow(NamedTuple):
    code: str
    prefecture_code: str
    prefecture_name: str
    name: str
    name_kana: str
    kind: str
    lat: float | None
    lng: float | None

    @property
    def kind_label(self) -> str:
        return str(LocalGovernment.Kind(self.kind).label)

    @property
    def display_name(self) -> str:
        if self.kind == LocalGovernment.Kind.PREFECTURE:
            return self.name
        return f"{self.prefecture_name}{self.name}"


ROW_FIELDS = (
    "code",
    "prefecture_id",
    "prefecture__name",
    "name",
    "name_kana",
    "kind",
    "lat",
    "lng",
)


@dataclass(frozen=True)
class PrefectureCoverage:
    code: str
    name: str
    covered: int
    total: int

    @property
    def percent(self) -> float:
        return round(self.covered * 100 / self.total, 1) if self.total else 0.0

    @property
    def ratio(self) -> float:
        return self.covered / self.total if self.total else 0.0


@dataclass(frozen=True)
class CoverageData:
    """Everything the public coverage outputs need, apart from the rows (`rows(data)`)."""

    version: str  # changes when any published number or row changes
    computed_at: datetime  # when these numbers were computed
    updated_at: datetime  # when the numbers last changed (shown as 最終更新)
    members: int  # members who count (approved, active, not staff)
    covered_codes: frozenset[str]
    prefectures: tuple[PrefectureCoverage, ...]
    rows_key: str  # fingerprint of the local-government rows
    generation: str | None = None  # the invalidation generation it was computed in
    basis: str = (
        "事務局が在職を確認した会員"  # who the members are (renewals: 「2026年度の確認済み会員」)
    )

    @property
    def covered(self) -> int:
        return len(self.covered_codes)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.prefectures) or TOTAL_LOCAL_GOVERNMENTS

    @property
    def percent(self) -> float:
        return round(self.covered * 100 / self.total, 1) if self.total else 0.0

    def prefecture(self, code: str) -> PrefectureCoverage | None:
        for pref in self.prefectures:
            if pref.code == code:
                return pref
        return None


# --- Who counts (registered by the accounts app) ---------------------------------------------
# One call, one query: (local government id or None, number of members who count for it).
MembersSource = Callable[[], Iterable[tuple[int | None, int]]]
_members_source: list[MembersSource] = []


def members_source_register(source: MembersSource) -> None:
    """Called once by the app that owns the members (`accounts.apps.AccountsConfig`)."""
    _members_source[:] = [source]


# What the members who count are called on the public page (registered by renewals: 「2026年度の
# 確認済み会員」); one call, one query, inside the computation (so it is cached with it).
BasisSource = Callable[[], str | None]
_basis_source: list[BasisSource] = []
DEFAULT_BASIS = "事務局が在職を確認した会員"


def basis_register(source: BasisSource) -> None:
    """Called once by the app that runs the annual confirmation (`renewals.apps`)."""
    _basis_source[:] = [source]


def _basis() -> str:
    return (_basis_source[0]() if _basis_source else None) or DEFAULT_BASIS


def _members_per_local_government() -> list[tuple[int | None, int]]:
    if not _members_source:
        raise RuntimeError(
            "No members source: accounts.apps registers one with members_source_register()."
        )
    return list(_members_source[0]())


# --- This process's memo -----------------------------------------------------------------------
@dataclass
class _Memo:
    data: CoverageData | None = None
    data_read_at: float = 0.0  # time.monotonic()
    rows: tuple[str, tuple[LocalGovernmentRow, ...]] = ("", ())  # (fingerprint, rows)
    rendered_version: str = ""
    rendered: dict[tuple, object] = field(default_factory=dict)
    shapes: dict[str, svgmap.PrefectureShape] | None = None


_memo = _Memo()
_memo_lock = threading.Lock()
# Held while a missing output is rendered: when a new version arrives, one thread renders
# while the others of the process wait for it instead of rendering the same page.
render_lock = threading.Lock()


def forget() -> None:
    """Forget the computed coverage everywhere: the shared entry (a new generation, so a
    computation that started before this call is not used either) and everything this
    process keeps, except the geometry. The next read recomputes (two queries).

    `municipalities.services.coverage_invalidate()` (what other apps call after a change
    of who counts) and the tests call this."""
    cache.set(COVERAGE_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    cache.delete(COVERAGE_CACHE_KEY)
    with _memo_lock:
        _memo.data = None
        _memo.rows = ("", ())
        _memo.rendered_version = ""
        _memo.rendered.clear()


# --- Rows -------------------------------------------------------------------------------------
def _rows_fingerprint(rows: Iterable[LocalGovernmentRow]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for row in rows:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _rows_remember(key: str, rows: tuple[LocalGovernmentRow, ...]) -> None:
    with _memo_lock:
        _memo.rows = (key, rows)  # one assignment: readers never see a key with other rows


def rows(data: CoverageData) -> tuple[LocalGovernmentRow, ...]:
    """The current local governments in code order, as `data` was computed against. No
    query when this process has them already (one in a freshly started process)."""
    key, kept = _memo.rows
    if key == data.rows_key:
        return kept
    loaded = tuple(
        LocalGovernmentRow(*values)
        for values in LocalGovernment.objects.filter(is_defunct=False)
        .order_by("code")
        .values_list(*ROW_FIELDS)
    )
    _rows_remember(data.rows_key, loaded)
    return loaded


# --- Computing and sharing -----------------------------------------------------------------------
def compute(*, generation: str | None = None) -> CoverageData:
    """Compute coverage from the database: three queries whatever the number of members
    (the members source's grouped query, the local governments, and the basis source's
    one query on the 年度更新 cycles). A member counted for
    a merged (defunct) local government counts for its successor."""
    groups = _members_per_local_government()
    members = sum(n for _lg, n in groups)
    counted_ids = {lg for lg, n in groups if lg is not None and n}
    all_rows = list(
        LocalGovernment.objects.order_by("code").values_list(
            "pk", "is_defunct", "successor_id", *ROW_FIELDS
        )
    )
    covered_ids = set()
    for pk, is_defunct, successor_id, *_ in all_rows:
        if pk in counted_ids:
            covered_ids.add(successor_id if is_defunct else pk)
    current = [values for values in all_rows if not values[1]]
    lg_rows = tuple(LocalGovernmentRow(*values[3:]) for values in current)
    covered_codes = frozenset(values[3] for values in current if values[0] in covered_ids)
    rows_key = _rows_fingerprint(lg_rows)
    _rows_remember(rows_key, lg_rows)

    per_pref: dict[str, list] = {}
    for row in lg_rows:
        entry = per_pref.setdefault(row.prefecture_code, [row.prefecture_name, 0, 0])
        entry[2] += 1
        if row.code in covered_codes:
            entry[1] += 1
    prefectures = tuple(
        PrefectureCoverage(code=code, name=name, covered=covered, total=total)
        for code, (name, covered, total) in sorted(per_pref.items())
    )

    content = hashlib.blake2b(digest_size=8)
    basis = _basis()
    content.update(f"{rows_key}|{members}|{basis}|".encode())
    content.update(",".join(sorted(covered_codes)).encode())
    content_hash = content.hexdigest()

    now = datetime.fromtimestamp(int(time.time()), tz=UTC)
    stamp = cache.get(COVERAGE_STAMP_KEY)
    if stamp and stamp[0] == content_hash:
        updated_at = stamp[1]
    else:
        updated_at = now
        cache.set(COVERAGE_STAMP_KEY, (content_hash, now), timeout=None)
    return CoverageData(
        version=f"{content_hash}-{int(updated_at.timestamp())}",
        computed_at=now,
        updated_at=updated_at,
        members=members,
        covered_codes=covered_codes,
        prefectures=prefectures,
        rows_key=rows_key,
        generation=generation,
        basis=basis,
    )


def _store(generation: str | None) -> CoverageData:
    data = compute(generation=generation)
    cache.set(COVERAGE_CACHE_KEY, data, timeout=COVERAGE_TTL)
    return data


def _refresh(generation: str | None, *, wait: bool) -> CoverageData | None:
    """Recompute and store, one caller at a time. A caller that does not get the lock
    returns None (`wait=False`), or waits up to a second for the result (`wait=True`)
    and computes it itself if none comes."""
    if cache.add(COVERAGE_LOCK_KEY, 1, timeout=COVERAGE_LOCK_SECONDS):
        try:
            return _store(generation)
        finally:
            cache.delete(COVERAGE_LOCK_KEY)
    if not wait:
        return None
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        time.sleep(0.05)
        found = cache.get(COVERAGE_CACHE_KEY)
        if found is not None and found.generation == generation:
            return found
    return _store(generation)


def data() -> CoverageData:
    """The current coverage: this process's copy when it was read in the last
    `COVERAGE_LOCAL_SECONDS`, else the shared entry, else computed and shared."""
    current, read_at = _memo.data, _memo.data_read_at
    now = time.monotonic()
    if current is not None and now - read_at < COVERAGE_LOCAL_SECONDS:
        return current
    found = cache.get_many([COVERAGE_CACHE_KEY, COVERAGE_GENERATION_KEY])
    generation = found.get(COVERAGE_GENERATION_KEY)
    current = found.get(COVERAGE_CACHE_KEY)
    if current is not None and current.generation != generation:
        current = None  # computed before the latest invalidation
    if current is None:
        current = _refresh(generation, wait=True)
    elif time.time() - current.computed_at.timestamp() > COVERAGE_REFRESH_AFTER:
        current = _refresh(generation, wait=False) or current
    assert current is not None
    _memo.data, _memo.data_read_at = current, now
    return current


# --- Rendered outputs of the current version ---------------------------------------------------
def rendered_get(key: tuple) -> object | None:
    """A rendered output; `key[0]` is the data version it was rendered from."""
    return _memo.rendered.get(key)


def rendered_put(key: tuple, value: object) -> None:
    """Keep an output of the current version; outputs of older versions are dropped."""
    with _memo_lock:
        if key[0] != _memo.rendered_version or len(_memo.rendered) >= RENDERED_LIMIT:
            _memo.rendered.clear()
            _memo.rendered_version = key[0]
        _memo.rendered[key] = value


def _shapes() -> dict[str, svgmap.PrefectureShape]:
    if _memo.shapes is None:
        _memo.shapes = svgmap.prefecture_shapes()
    return _memo.shapes


def map_svg(
    current: CoverageData, *, link: str | None, interactive: bool, id_prefix: str = "cov-map"
) -> str:
    """The SVG map of `current`, rendered once per data version and variant per process."""
    key = (current.version, "svg", link, interactive, id_prefix)
    svg = rendered_get(key)
    if isinstance(svg, str):
        return svg
    svg = svgmap.coverage_map(
        prefectures=current.prefectures,
        rows=rows(current),
        covered=current.covered_codes,
        shapes=_shapes(),
        link=link,
        interactive=interactive,
        id_prefix=id_prefix,
    )
    rendered_put(key, svg)
    return svg


# --- Requests: the one key function ------------------------------------------------------------
def for_request(request: HttpRequest) -> CoverageData:
    """The coverage data, read at most once per request."""
    current = getattr(request, "_coverage_data", None)
    if current is None:
        current = request._coverage_data = data()  # type: ignore[attr-defined]
    return current


def query(request: HttpRequest) -> CoverageQuery:
    parsed = getattr(request, "_coverage_query", None)
    if parsed is None:
        parsed = request._coverage_query = coverage_query_parse(request.GET)  # type: ignore[attr-defined]
    return parsed


def is_anonymous(request: HttpRequest) -> bool:
    """No session cookie: certainly nobody signed in and no pending messages (decided
    without touching the session store)."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def is_partial(request: HttpRequest) -> bool:
    """An htmx request for the fragment (a history restore wants the whole page). Read
    from the headers, not `request.htmx`: the fast path runs before HtmxMiddleware."""
    meta = request.META
    return (
        meta.get("HTTP_HX_REQUEST") == "true"
        and meta.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
    )


def variant(request: HttpRequest, view: str) -> tuple[str, ...] | None:
    """What a response of `view` ("page", "embed", "json", "csv") depends on besides the
    data version and the visitor; None for a query string that gets an error page."""
    if view == "page":
        parsed = query(request)
        if parsed.error:
            return None
        partial = "partial" if is_partial(request) else "full"
        return (view, partial, parsed.prefecture, parsed.sort, parsed.q)
    if view == "embed":
        return (view, request.get_host())  # the embed links back with an absolute URL
    return (view,)


def response_key(request: HttpRequest, view: str) -> tuple | None:
    """The key of the complete response to this GET, shared by every anonymous visitor;
    None when it must not be shared or stored (someone with a session, a free-text search
    (unbounded), a bad query string)."""
    if not is_anonymous(request):
        return None
    parts = variant(request, view)
    if parts is None or (view == "page" and parts[4]):
        return None
    return (for_request(request).version, "response", *parts)


def etag(request: HttpRequest, view: str) -> str | None:
    """Data version + the variant + who asks (anonymous, or a digest of the session)."""
    parts = variant(request, view)
    if parts is None:
        return None
    if is_anonymous(request):
        audience = "anon"
    else:
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        audience = hashlib.blake2b(cookie.encode(), digest_size=6).hexdigest()
    digest = hashlib.blake2b("|".join((*parts, audience)).encode(), digest_size=6).hexdigest()
    return f"{for_request(request).version}-{digest}"
