"""Where feature apps plug into the site's composition.

`core` imports no feature app. Each feature registers what it contributes from its
`AppConfig.ready()`, and the thin top app `portal` (home, navigation, demo seeding) and the
withdrawal service read the registry:

    from core import plugins

    plugins.register_nav(plugins.NavItem("sections:directory", "部・課", order=10))
    plugins.register_home_panel(
        plugins.HomePanel("sections", "sections/_home_my_sections.html", context, order=10)
    )
    plugins.register_demo(plugins.DemoSeeder("sections", seed, order=20))
    plugins.register_personal_data(
        plugins.PersonalData("sections", erase, fields=[("sections.JoinRequest", ("message",))])
    )

A registered URL name that does not resolve is a bug and raises: every app is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# --- Navigation --------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    """One entry of the member navigation, in `order`."""

    url_name: str
    label: str
    order: int = 100


_nav: dict[str, NavItem] = {}


def register_nav(item: NavItem) -> NavItem:
    _nav[item.url_name] = item
    return item


def nav_items() -> list[NavItem]:
    return sorted(_nav.values(), key=lambda item: (item.order, item.url_name))


# --- The member directory and profiles (owned by accounts) ----------------------------


@dataclass(frozen=True)
class MemberFilter:
    """A directory filter another app contributes: `apply(queryset, value)` narrows the
    members for the value of the search form's field `name` (e.g. sections' 課 filter)."""

    name: str
    apply: Callable[[Any, str], Any]


@dataclass(frozen=True)
class ProfileFact:
    """One line of a member's profile that another app knows: `values(person)` gives the
    strings shown after `label` (e.g. the sections they belong to). One query at most."""

    name: str
    label: str
    values: Callable[[Any], list[str]]
    order: int = 100


_member_filters: dict[str, MemberFilter] = {}
_profile_facts: dict[str, ProfileFact] = {}


def register_member_filter(item: MemberFilter) -> MemberFilter:
    _member_filters[item.name] = item
    return item


def member_filters() -> list[MemberFilter]:
    return [_member_filters[name] for name in sorted(_member_filters)]


def register_profile_fact(item: ProfileFact) -> ProfileFact:
    _profile_facts[item.name] = item
    return item


def profile_facts() -> list[ProfileFact]:
    return sorted(_profile_facts.values(), key=lambda item: (item.order, item.name))


# --- Member home panels ------------------------------------------------------------------

PanelContext = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class HomePanel:
    """A panel on the member home: a template and the function that gives it its context
    (called with the request; it must do a bounded number of queries)."""

    name: str
    template: str
    context: PanelContext
    order: int = 100


_panels: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> HomePanel:
    _panels[panel.name] = panel
    return panel


def home_panels() -> list[HomePanel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.name))


# --- Demo content ------------------------------------------------------------------------

Seed = Callable[[Any], None]


@dataclass(frozen=True)
class DemoSeeder:
    """`seed(stdout)` loads an app's demo content idempotently; seeders run in `order`
    (accounts first: the others draw on its members)."""

    app: str
    seed: Seed
    order: int = 100


_seeders: dict[str, DemoSeeder] = {}


def register_demo(seeder: DemoSeeder) -> DemoSeeder:
    _seeders[seeder.app] = seeder
    return seeder


def demo_seeders() -> list[DemoSeeder]:
    return sorted(_seeders.values(), key=lambda seeder: (seeder.order, seeder.app))


# --- Losing member access ----------------------------------------------------------------

AccessLost = Callable[..., object]


@dataclass(frozen=True)
class AccessHook:
    """What an app does when a member loses access (利用停止, 退庁, a lapsed 年度更新):
    `on_access_lost(user=..., reason=...)` runs inside the accounts service's transaction,
    with the member's row locked; e.g. events gives back future seats (the waitlist moves)
    so that no reminder or personal link goes to someone who may no longer come."""

    app: str
    on_access_lost: AccessLost
    order: int = 100


_access_hooks: dict[str, AccessHook] = {}


def register_access_hook(hook: AccessHook) -> AccessHook:
    _access_hooks[hook.app] = hook
    return hook


def access_hooks() -> list[AccessHook]:
    return sorted(_access_hooks.values(), key=lambda hook: (hook.order, hook.app))


# --- Personal data -----------------------------------------------------------------------

Erase = Callable[..., None]


@dataclass(frozen=True)
class PersonalData:
    """What an app holds about a person, and how withdrawal (退庁) erases it.

    `fields` names every model field that can hold a person's data, as
    ("app_label.Model", ("field", ...)); `tests/accounts/test_erasure.py` checks that every
    text-like field of every model is either declared here or declared harmless, and that
    nothing of a withdrawn member is left in the database. `erase(user=..., emails=...)`
    runs inside the withdrawal transaction, with the member's row locked; `emails` are
    the addresses the member used (login and work), captured before they were erased."""

    app: str
    erase: Erase
    fields: Iterable[tuple[str, tuple[str, ...]]] = field(default_factory=tuple)
    order: int = 100


_personal: dict[str, PersonalData] = {}


def register_personal_data(entry: PersonalData) -> PersonalData:
    _personal[entry.app] = entry
    return entry


def personal_data() -> list[PersonalData]:
    return sorted(_personal.values(), key=lambda entry: (entry.order, entry.app))


# --- Write guards ------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteGuard:
    """A reason why a member who may still read may not write: start or reply to a topic,
    react, RSVP to a meeting or training, apply, or join a section. Moderation registers
    投稿停止, 年度更新 registers 要確認. `refusal(user)` returns the Japanese sentence shown
    to the member (with the end date where there is one), or None.

    The write paths ask `write_refusal(user)`: `discussions.selectors.posting_refusal`,
    `events.services.registration_rsvp` (meetings, trainings, orientation) and
    `sections.services.section_join` / `join_request_create`. A guard with
    `posting_only` (the 行動規範 not yet accepted) stops posting only: it is asked by
    `posting_refusal`, which calls `write_refusal(user, posting=True)`."""

    app: str
    refusal: Callable[[Any], str | None]
    order: int = 100
    posting_only: bool = False


_write_guards: dict[str, WriteGuard] = {}


def register_write_guard(guard: WriteGuard) -> WriteGuard:
    _write_guards[guard.app] = guard
    return guard


def write_guards() -> list[WriteGuard]:
    return sorted(_write_guards.values(), key=lambda guard: (guard.order, guard.app))


def write_refusal(user: Any, *, posting: bool = False) -> str | None:
    """The first guard's refusal for `user`, or None when they may write. Staff are
    never refused here (their own rules live with each feature). `posting` asks the
    posting-only guards too (starting or replying to a topic)."""
    if getattr(user, "is_staff", False):
        return None
    for guard in write_guards():
        if guard.posting_only and not posting:
            continue
        reason = guard.refusal(user)
        if reason:
            return reason
    return None


# --- Reporting a thing to the moderators ----------------------------------------------

ReportUrl = Callable[[str, int], str]  # (kind: "post" | "profile", pk) -> path
_report_urls: list[ReportUrl] = []


def register_report_url(url: ReportUrl) -> ReportUrl:
    """Moderation registers how a post or a profile is reported; lower apps' templates
    ask `report_url` (the `{% report_url %}` tag of `core_tags`) for the 報告 link."""
    _report_urls[:] = [url]
    return url


def report_url(kind: str, pk: int) -> str:
    return _report_urls[0](kind, pk) if _report_urls else ""


# --- What staff owe ----------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueReview:
    """A kind of decision staff have let wait too long, listed in the one daily staff
    overdue mail (`accounts.services.applications_overdue_notify`, template
    `vetting_overdue`): applications (accounts), reports (moderation), changes of body
    (年度更新). `lines(now)` returns one Japanese line per overdue item, oldest first;
    `url` is the admin page (a path) where staff decide them. The mail goes out when any
    registered review has a line; its dedupe key makes it once per address per day."""

    app: str
    title: str
    lines: Callable[[Any], list[str]]
    url: str
    order: int = 100


_overdue: dict[str, OverdueReview] = {}


def register_overdue_review(review: OverdueReview) -> OverdueReview:
    _overdue[review.app] = review
    return review


def overdue_reviews() -> list[OverdueReview]:
    return sorted(_overdue.values(), key=lambda review: (review.order, review.app))


# --- Values loaded with the signed-in user -----------------------------------------------


@dataclass(frozen=True)
class UserAnnotation:
    """A value about the signed-in member that nearly every page needs (the bell's unread
    count, an active 投稿停止), computed as a subquery of the one query that loads
    `request.user` (`accounts.backends.MemberBackend.get_user`) instead of a query of its
    own. `expression(now)` returns an expression over `OuterRef("pk")`; `now` is the
    request's time (the SQL is compiled once per process with a stand-in for it and for
    the user's id, see accounts.backends).

    Readers ask `user_value(user, name, compute)`: the loaded value when `user` came from
    the session, else `compute()` (a user fetched any other way, or after
    `user_value_forget`, which the services that change the value call)."""

    name: str
    expression: Callable[[Any], Any]


_user_annotations: dict[str, UserAnnotation] = {}
_MISSING = object()


def register_user_annotation(item: UserAnnotation) -> UserAnnotation:
    _user_annotations[item.name] = item
    return item


def user_annotations(now: Any) -> dict[str, Any]:
    return {name: item.expression(now) for name, item in sorted(_user_annotations.items())}


def user_value(user: Any, name: str, compute: Callable[[], Any]) -> Any:
    value = getattr(user, name, _MISSING)
    return compute() if value is _MISSING else value


def user_value_forget(user: Any, name: str) -> None:
    """The value changed in this request: the next reader computes it."""
    try:
        delattr(user, name)
    except AttributeError:
        pass
