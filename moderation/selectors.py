"""Reads for moderation, and the one home of "who may see or decide a case".

- Staff with `moderation.view_case` see every case; `moderation.decide_case` decides them.
- A head or deputy (課長・課長補佐) of a section sees and decides the cases about posts
  in that section (never profiles, never other sections: those answer 404).
- Penalties (投稿停止・利用停止) and 編集して一部を伏せる are for staff with the permission.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from core.jst import format_jst
from core.memo import ProcessMemo
from discussions.models import Post
from sections import rules
from sections.models import Section, SectionMembership

from .models import Case, CodeOfConduct, ConductAcceptance, Penalty, Reason, Report

OVERDUE_AFTER = timedelta(days=5)
PENDING_NOTICE_AFTER = timedelta(days=7)
HISTORY = timedelta(days=183)  # 6 months
CASES_PER_PAGE = 20


# --- Roles ----------------------------------------------------------------------------------


def _member(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_member)


def is_moderator_staff(user) -> bool:
    return _member(user) and user.is_staff and user.has_perm("moderation.view_case")


def may_decide_as_staff(user) -> bool:
    return _member(user) and user.is_staff and user.has_perm("moderation.decide_case")


def may_penalise(user) -> bool:
    return _member(user) and user.is_staff and user.has_perm("moderation.add_penalty")


def managed_sections(user) -> QuerySet[SectionMembership, Any]:
    """The ids of the sections where `user` is 課長 or 課長補佐, as a queryset (to be a
    subquery of another query)."""
    if not _member(user):
        return SectionMembership.objects.none().values("section_id")
    return SectionMembership.objects.filter(user=user, role__in=rules.MANAGER_ROLES).values(
        "section_id"
    )


def managed_section_ids(user) -> list[int]:
    """The sections where `user` is 課長 or 課長補佐."""
    return [row["section_id"] for row in managed_sections(user)]


def is_section_manager(*, user, section_id: int | None) -> bool:
    if section_id is None or not _member(user):
        return False
    return SectionMembership.objects.filter(
        user=user, section_id=section_id, role__in=rules.MANAGER_ROLES
    ).exists()


def may_view_case(*, user, case: Case) -> bool:
    if is_moderator_staff(user):
        return True
    return case.kind != Case.Kind.PROFILE and is_section_manager(
        user=user, section_id=case.section_id
    )


def may_decide_case(*, user, case: Case) -> bool:
    if may_decide_as_staff(user):
        return True
    if user is not None and user.is_staff:
        return False  # staff act through their role's permission
    if case.author_id == getattr(user, "pk", None):
        return False  # nobody judges their own post
    return case.kind != Case.Kind.PROFILE and is_section_manager(
        user=user, section_id=case.section_id
    )


def may_use_queue(user) -> bool:
    return is_moderator_staff(user) or bool(managed_section_ids(user))


# --- The queue ------------------------------------------------------------------------------


def _with_figures(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with its number of reports per reason (one query for the page)."""
    return cases.annotate(
        n_reports=Count("reports"),
        **{
            f"n_{value}": Count("reports", filter=Q(reports__reason=value))
            for value in Reason.values
        },
    )


def queue(
    *, user, reason: str = "", section_id: str | int = "", state: str = "open"
) -> QuerySet[Case]:
    """The cases `user` may see, oldest first: staff every case, heads and deputies those
    of their sections. Filters: reason (any report with it), section, state (open = 未対応
    and 自動非表示, or one state, or all)."""
    if is_moderator_staff(user):
        cases = Case.objects.all()
    else:
        cases = Case.objects.filter(
            section_id__in=managed_section_ids(user), kind__in=[Case.Kind.TOPIC, Case.Kind.REPLY]
        )
    if reason in Reason.values:
        cases = cases.filter(pk__in=Report.objects.filter(reason=reason).values("case_id"))
    try:
        section_pk = int(section_id) if section_id not in ("", None) else None
    except (TypeError, ValueError):
        section_pk = None
    if section_pk is not None and not 0 < section_pk < 2**63:
        section_pk = -1  # no such section (and no integer overflow in the database)
    if section_pk is not None:
        cases = cases.filter(section_id=section_pk)
    if state == "open":
        cases = cases.filter(decided_at__isnull=True)
    elif state in Case.State.values:
        cases = cases.filter(state=state)
    return _with_figures(
        cases.select_related("section", "author", "post__topic", "profile", "decided_by")
    ).order_by("opened_at", "id")


def queue_sections(user) -> list[Section]:
    """The sections offered in the queue's filter."""
    ids: Any
    if is_moderator_staff(user):
        ids = Case.objects.exclude(section=None).values("section_id")
    else:
        ids = managed_section_ids(user)
    return list(Section.objects.filter(pk__in=ids).order_by("department__order", "order", "id"))


def reasons_of(case: Case) -> list[tuple[str, int]]:
    """[(reason label, count)] for an annotated case, most reported first."""
    rows = [(label, getattr(case, f"n_{value}", 0)) for value, label in Reason.choices]
    return sorted([r for r in rows if r[1]], key=lambda r: -r[1])


def case_get(*, user, case_id: int) -> Case:
    """A case `user` may see, with its reports and the post in context; 404 otherwise."""
    case = (
        _with_figures(Case.objects.filter(pk=case_id))
        .select_related(
            "section", "author", "profile", "decided_by", "post__topic__section", "post__author"
        )
        .first()
    )
    if case is None or not may_view_case(user=user, case=case):
        raise Http404("審査案件が見つかりません。")
    return case


def case_reports(case: Case) -> list[Report]:
    return list(case.reports.select_related("reporter").order_by("created_at", "id"))


def post_context(case: Case, *, around: int = 2) -> list[Post]:
    """The reported post with the posts just before and after it in its thread (what a
    moderator needs to judge it), deleted ones left out."""
    post = case.post
    if post is None:
        return []
    posts = list(
        Post.objects.filter(
            topic_id=post.topic_id,
            number__gte=max(1, post.number - around),
            number__lte=post.number + around,
            deleted_at__isnull=True,
        )
        .select_related("author")
        .order_by("number")
    )
    if not any(p.pk == post.pk for p in posts):
        posts.append(post)
    return posts


def author_history(*, author, now: datetime | None = None) -> dict:
    """The author's penalties and decided cases of the last 6 months."""
    if author is None:
        return {"penalties": [], "cases": []}
    now = now or timezone.now()
    since = now - HISTORY
    penalties = list(
        Penalty.objects.filter(user=author)
        .filter(Q(starts_at__gte=since) | Q(lifted_at__isnull=True) | Q(lifted_at__gte=since))
        .select_related("created_by")
        .order_by("-starts_at")
    )
    cases = list(
        Case.objects.filter(author=author, decided_at__gte=since)
        .exclude(decision=Case.Decision.DISMISS)
        .order_by("-decided_at")[:20]
    )
    return {"penalties": penalties, "cases": cases}


# --- Figures (the staff dashboard and the overdue mail) --------------------------------------


def figures(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    open_cases = Case.objects.filter(decided_at__isnull=True)
    return {
        "open": open_cases.count(),
        "overdue": open_cases.filter(opened_at__lte=now - OVERDUE_AFTER).count(),
        "auto_hidden": open_cases.filter(state=Case.State.HIDDEN).count(),
        "active_penalties": active_penalties(now=now).count(),
    }


def figures_line(values: dict[str, int]) -> str:
    return (
        f"未対応の報告 {values['open']} 件・期限超過 {values['overdue']} 件・"
        f"自動非表示 {values['auto_hidden']} 件・有効な処分 {values['active_penalties']} 件"
    )


def overdue_lines(now) -> list[str]:
    """Registered as this app's OverdueReview: one line per case undecided after 5 days,
    oldest first, and the dashboard figures as the last line (only when something is
    overdue, so that the figures alone never send the mail)."""
    overdue = list(
        Case.objects.filter(decided_at__isnull=True, opened_at__lte=now - OVERDUE_AFTER)
        .select_related("section")
        .annotate(n_reports=Count("reports"))
        .order_by("opened_at", "id")
    )
    if not overdue:
        return []
    lines = [
        f"{c.get_kind_display()} #{c.pk}（{c.section.name if c.section else 'プロフィール'}、"
        f"報告 {c.n_reports} 件）：{(now - c.opened_at).days} 日待ち"
        for c in overdue
    ]
    lines.append("現在の数字：" + figures_line(figures(now=now)))
    return lines


# --- Penalties ------------------------------------------------------------------------------


def active_penalties(*, now: datetime | None = None) -> QuerySet[Penalty]:
    now = now or timezone.now()
    return Penalty.objects.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


SILENCE = "moderation_silence_id"
_UNLOADED = object()


def _silences(now: datetime | None = None) -> QuerySet[Penalty]:
    return active_penalties(now=now).filter(kind=Penalty.Kind.SILENCE).order_by("-ends_at")


def silence_expression(now: datetime):
    """The member's active 投稿停止 at `now` (its id) as a subquery of the query that
    loads the signed-in user (`core.plugins.UserAnnotation`, registered in apps.py): the
    write guard asked on every page with a form costs no query for the members who are not
    stopped."""
    return Subquery(_silences(now).filter(user=OuterRef("pk")).values("pk")[:1])


def active_silence(user, *, now: datetime | None = None) -> Penalty | None:
    if user is None or not getattr(user, "pk", None):
        return None
    if now is None:
        loaded = getattr(user, SILENCE, _UNLOADED)
        if loaded is None:
            return None
        if loaded is not _UNLOADED:
            return Penalty.objects.filter(pk=cast(int, loaded)).first()
    return _silences(now).filter(user=user).first()


def silence_refusal(user) -> str | None:
    """The 投稿停止 write guard: why, and until when."""
    penalty = active_silence(user)
    if penalty is None:
        return None
    until = f"{format_jst(penalty.ends_at)}まで" if penalty.ends_at else "事務局が解除するまで"
    return (
        f"投稿停止中のため、{until}投稿・返信・参加の申し込みは"
        f"できません（閲覧はできます）。理由：{penalty.reason}"
    )


def my_penalties(user) -> list[Penalty]:
    return list(Penalty.objects.filter(user=user).order_by("-starts_at")[:50])


# --- 行動規範 -------------------------------------------------------------------------------


CONDUCT_SECONDS = 60
_conduct: ProcessMemo[CodeOfConduct | None] = ProcessMemo(CONDUCT_SECONDS)


def current_conduct(*, now: datetime | None = None) -> CodeOfConduct | None:
    """The 行動規範 in force. Asked before every post and on every page that offers a
    form, so each process keeps the answer for a minute (`conduct_forget`, called by the
    services that publish a version, drops it at once)."""
    if now is not None:
        return CodeOfConduct.objects.filter(published_at__lte=now).order_by("-version").first()
    return _conduct.get(
        lambda: (
            CodeOfConduct.objects.filter(published_at__lte=timezone.now())
            .order_by("-version")
            .first()
        )
    )


def conduct_forget() -> None:
    _conduct.forget()


def conduct_assume(value: CodeOfConduct | None) -> None:
    """Tests: start from a known answer (a fresh database has no 行動規範)."""
    _conduct.assume(value)


def accepted_version(user) -> int | None:
    row = ConductAcceptance.objects.filter(user=user).order_by("-version").first()
    return row.version if row else None


def needs_conduct(user) -> CodeOfConduct | None:
    """The version `user` must accept before posting, or None."""
    if not _member(user) or user.is_staff:
        return None
    current = current_conduct()
    if current is None:
        return None
    if ConductAcceptance.objects.filter(user=user, version=current.version).exists():
        return None
    return current


def conduct_refusal(user) -> str | None:
    """The posting-only write guard: the 行動規範 in force is not accepted yet."""
    current = needs_conduct(user)
    if current is None:
        return None
    again = "新しい版が公開されました。" if accepted_version(user) else ""
    return (
        f"{again}投稿する前に、行動規範（第{current.version}版）を読んで同意してください。"
        f"行動規範のページ（{reverse('moderation:conduct')}）で同意できます。"
    )


def my_reports(user) -> list[Report]:
    return list(
        Report.objects.filter(reporter=user)
        .select_related("case", "post__topic", "profile")
        .order_by("-created_at")[:50]
    )
