"""年度更新: reads. A member's current renewal, the refusal 要確認 gives, the banner, the
profile line, the staff dashboard and its CSV."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import AffiliationType, User
from core.memo import ProcessMemo

from .models import BodyChange, Cycle, Renewal

S = Renewal.State
_UNSET = object()


LIVE_SECONDS = 60
_live: ProcessMemo[bool] = ProcessMemo(LIVE_SECONDS)


def live_cycle_exists() -> bool:
    """Is a cycle running now (opened, not closed, grace not over)? Asked on every page
    (banner, write guard), so outside the March–May window a member page costs no
    renewal query: each process keeps the answer for a minute, and every cycle service
    forgets it (`forget`, also after commit). Another process sees a newly opened cycle
    within that minute; 要確認 itself moves by days. Lapsed members are asked about their
    renewal regardless."""
    return _live.get(_any_live_cycle)


def _any_live_cycle() -> bool:
    today = timezone.localdate()
    return (
        Cycle.objects.filter(opened_at__isnull=False, grace_until__gte=today)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
        .exists()
    )


def forget() -> None:
    _live.forget()


def assume(*, live: bool) -> None:
    """Tests: start from a known answer (a fresh database has no cycle)."""
    _live.assume(live)


def _date_ja(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def current_renewal(user: Any) -> Renewal | None:
    """The member's renewal of the latest opened cycle (None when they have none: staff,
    members approved during the window, or no cycle yet). Kept on the user object for the
    request, so the banner, the guard and the home panel share one query."""
    kept = getattr(user, "_renewal_current", _UNSET)
    if kept is not _UNSET:
        return cast("Renewal | None", kept)
    renewal = None
    if getattr(user, "is_authenticated", False) and not user.is_staff:
        renewal = (
            Renewal.objects.select_related("cycle")
            .filter(user__pk=user.pk, cycle__opened_at__isnull=False)
            .order_by("-cycle__fiscal_year")
            .first()
        )
    user._renewal_current = renewal
    return renewal


def is_overdue(renewal: Renewal | None, today: dt.date | None = None) -> bool:
    """要確認: not confirmed and the due date has passed, in a cycle that was not closed."""
    if renewal is None or renewal.state != S.PENDING or renewal.cycle.closed_on:
        return False
    return (today or timezone.localdate()) > renewal.cycle.due_on


def awaiting(renewal: Renewal | None, today: dt.date | None = None) -> bool:
    """The member is asked to confirm now (banner, home form)."""
    if renewal is None:
        return False
    if renewal.state == S.LAPSED:
        return True
    if renewal.state != S.PENDING or renewal.cycle.closed_on:
        return False
    return renewal.cycle.phase(today or timezone.localdate()) != "scheduled"


def write_refusal(user: Any) -> str | None:
    """The `core.plugins.WriteGuard` of 年度更新: a 要確認 member may read, not write."""
    if not live_cycle_exists():
        return None
    renewal = current_renewal(user)
    if renewal is None or not is_overdue(renewal):
        return None
    return (
        f"{renewal.cycle.label}の年度更新（在職の確認）が期限（{_date_ja(renewal.cycle.due_on)}）"
        "までに済んでいないため、投稿・参加の申込・課への参加はできません。"
        "ホームの確認フォーム（/renewal/）で確認すると、すぐに使えるようになります。"
    )


def banner(user: Any) -> dict[str, Any] | None:
    """What the banner on every page says to this member, or None."""
    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return None
    if user.status not in {User.Status.APPROVED, User.Status.LAPSED}:
        return None
    if user.status == User.Status.APPROVED and not live_cycle_exists():
        return None
    renewal = current_renewal(user)
    today = timezone.localdate()
    if renewal is None or not awaiting(renewal, today):
        return None
    cycle = renewal.cycle
    return {
        "year": cycle.label,
        "due": _date_ja(cycle.due_on),
        "grace": _date_ja(cycle.grace_until),
        "overdue": is_overdue(renewal, today),
        "lapsed": renewal.state == S.LAPSED,
        "pending_change": renewal.changes.filter(verified_at__isnull=True).exists(),
    }


def latest_change(renewal: Renewal) -> BodyChange | None:
    return renewal.changes.select_related("local_government").order_by("-created_at").first()


def profile_lines(person: Any) -> list[str]:
    """「2026年度 確認済み」 on the profile (one query): a confirmed renewal of the latest
    opened cycle, or a member approved after it opened (already confirmed)."""
    cycle = (
        Cycle.objects.filter(opened_at__isnull=False)
        .annotate(
            my_state=Subquery(
                Renewal.objects.filter(cycle=OuterRef("pk"), user__pk=person.pk).values("state")[:1]
            )
        )
        .order_by("-fiscal_year")
        .first()
    )
    if cycle is None:
        return []
    if cycle.my_state == S.CONFIRMED:
        return [f"{cycle.label} 確認済み"]
    if cycle.my_state is None and (
        person.is_staff
        or (person.approved_at and timezone.localdate(person.approved_at) >= cycle.opens_on)
    ):
        return [f"{cycle.label} 確認済み"]
    return []


def coverage_basis() -> str | None:
    """What the public coverage page says its members are (registered with coverage)."""
    cycle = Cycle.objects.filter(opened_at__isnull=False).order_by("-fiscal_year").first()
    if cycle is None:
        return None
    today = timezone.localdate()
    if cycle.phase(today) == "ended":
        return f"{cycle.label}の確認済み会員"
    return f"{cycle.label}の確認済み会員と、確認期間中（{_date_ja(cycle.grace_until)}まで）の会員"


# --- staff ---------------------------------------------------------------------------------


def _bucket(state: str, overdue: bool, user_status: str) -> str:
    if state == S.CONFIRMED:
        return "confirmed"
    if state == S.LAPSED or user_status == User.Status.LAPSED:
        return "lapsed"
    if state == S.WITHDRAWN:
        return "withdrawn"
    return "overdue" if overdue else "pending"


BUCKETS = [
    ("confirmed", "確認済み"),
    ("pending", "未確認"),
    ("overdue", "要確認"),
    ("lapsed", "確認待ち（失効）"),
    ("withdrawn", "退庁"),
]


@dataclass
class Counts:
    values: dict[str, int] = field(default_factory=lambda: {k: 0 for k, _ in BUCKETS})

    @property
    def total(self) -> int:
        return sum(self.values.values())

    def rows(self) -> list[dict[str, Any]]:
        total = self.total
        return [
            {
                "key": key,
                "label": label,
                "n": self.values[key],
                "percent": round(self.values[key] * 100 / total, 1) if total else 0.0,
            }
            for key, label in BUCKETS
        ]


@dataclass
class Dashboard:
    cycle: Cycle
    phase: str
    totals: Counts
    prefectures: list[tuple[str, Counts]]
    bodies: list[tuple[str, Counts]]
    waiting: list[BodyChange]


def dashboard(cycle: Cycle, *, today: dt.date | None = None, bodies_limit: int = 50) -> Dashboard:
    """Counts and % by state, by prefecture and by body (two grouped queries), and the
    changes of body waiting for staff review. A fixed number of queries."""
    today = today or timezone.localdate()
    overdue = cycle.phase(today) in {"overdue", "ended"} and not cycle.closed_on
    grouped = (
        Renewal.objects.filter(cycle=cycle)
        .values(
            "state",
            "user__status",
            "user__affiliation_type",
            "user__local_government__name",
            "user__local_government__prefecture__name",
            "user__local_government__prefecture_id",
            "user__ministry",
            "user__other_body",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals = Counts()
    by_pref: dict[tuple[str, str], Counts] = defaultdict(Counts)
    by_body: dict[str, Counts] = defaultdict(Counts)
    for g in grouped:
        bucket = _bucket(g["state"], overdue, g["user__status"])
        totals.values[bucket] += g["n"]
        kind = g["user__affiliation_type"]
        if kind == AffiliationType.LOCAL_GOVERNMENT:
            pref = (
                g["user__local_government__prefecture_id"] or "",
                g["user__local_government__prefecture__name"] or "",
            )
            pref_name = pref[1]
            body = f"{pref_name} {g['user__local_government__name'] or ''}".strip()
            if pref_name and body == f"{pref_name} {pref_name}":
                body = pref_name
        elif kind == AffiliationType.MINISTRY:
            pref, body = ("99", "国の府省庁"), g["user__ministry"] or "国の府省庁"
        else:
            pref, body = ("99z", "その他の公的機関・退庁"), g["user__other_body"] or "（未設定）"
        by_pref[pref].values[bucket] += g["n"]
        by_body[body].values[bucket] += g["n"]
    prefectures = [(name, counts) for (_code, name), counts in sorted(by_pref.items())]
    bodies = sorted(by_body.items(), key=lambda item: (-item[1].total, item[0]))[:bodies_limit]
    return Dashboard(
        cycle=cycle,
        phase=cycle.phase(today),
        totals=totals,
        prefectures=prefectures,
        bodies=bodies,
        waiting=list(waiting_review(cycle)),
    )


def waiting_review(cycle: Cycle | None = None):
    """Changes of body whose address was verified and that wait for staff review (the
    member's `affiliation_review_pending`), oldest first."""
    qs = BodyChange.objects.filter(
        verified_at__isnull=False,
        trusted=False,
        renewal__user__affiliation_review_pending=True,
    ).select_related(
        "renewal__user__local_government__prefecture",
        "renewal__cycle",
        "local_government__prefecture",
    )
    if cycle is not None:
        qs = qs.filter(renewal__cycle=cycle)
    return qs.order_by("verified_at", "pk")


def overdue_review_lines(now: dt.datetime) -> list[str]:
    """`core.plugins.OverdueReview`: changes of body waiting longer than
    VETTING_OVERDUE_HOURS since the member verified the new address."""
    limit = now - dt.timedelta(hours=settings.VETTING_OVERDUE_HOURS)
    lines = []
    for change in waiting_review().filter(verified_at__lt=limit):
        user = change.renewal.user
        place = change.local_government or change.ministry or change.other_body
        hours = int((now - change.verified_at).total_seconds() // 3600)
        lines.append(f"{user.full_name}（→ {place}、{change.work_email}）：{hours} 時間待ち")
    return lines


CSV_HEADER = [
    "会員ID", "氏名", "フリガナ", "ログイン用メールアドレス", "都道府県", "所属", "部署",
    "状態", "回答", "確認日時", "失効日時", "所属変更の確認待ち",
]  # fmt: skip


def csv_rows(cycle: Cycle, *, today: dt.date | None = None):
    """One row per member of the cycle (for `core.exports.csv_response`)."""
    today = today or timezone.localdate()
    overdue = cycle.phase(today) in {"overdue", "ended"} and not cycle.closed_on
    labels = dict(BUCKETS)
    qs = (
        Renewal.objects.filter(cycle=cycle)
        .select_related("user__local_government__prefecture")
        .order_by("pk")
    )
    for r in qs.iterator(chunk_size=2000):
        u = r.user
        lg = u.local_government
        yield [
            u.pk,
            u.full_name,
            u.full_name_kana,
            u.email,
            lg.prefecture.name if lg else "",
            u.affiliation_display,
            u.department,
            labels[_bucket(r.state, overdue, u.status)],
            r.get_choice_display(),
            timezone.localtime(r.confirmed_at).strftime("%Y-%m-%d %H:%M") if r.confirmed_at else "",
            timezone.localtime(r.lapsed_at).strftime("%Y-%m-%d %H:%M") if r.lapsed_at else "",
            u.affiliation_review_pending,
        ]


def change_for(*, user: Any, token: str) -> BodyChange:
    """The member's own change of body by its link token; anyone else's is a 404."""
    from django.http import Http404

    change = (
        BodyChange.objects.select_related("renewal__cycle", "local_government__prefecture")
        .filter(token=token[:64], renewal__user__pk=user.pk)
        .first()
    )
    if change is None:
        raise Http404("確認用のリンクが見つかりません。")
    return change
