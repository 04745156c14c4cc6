"""年度更新: every write. Cycles (open, close), a member's confirmation (four answers),
the verification of a new work address, reminders and lapses (the scan).

Membership states belong to accounts: a lapse, a restore, a change of body and a
withdrawal are accounts services (`member_lapse`, `member_restore`, `profile_update` +
`affiliation_verify`, `member_withdraw`), called here inside our transaction."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AffiliationType, User
from core.errors import ServiceError
from municipalities.services import coverage_invalidate
from outbox.services import mail_enqueue, mails_enqueue_bulk

from . import selectors
from .models import BodyChange, Cycle, Reminder, Renewal

logger = logging.getLogger(__name__)
S = Renewal.State
C = Renewal.Choice
BATCH = 500
BODY_FIELDS = ("affiliation_type", "local_government", "ministry", "other_body")


class RenewalError(ServiceError):
    """A 年度更新 rule was broken; the message is Japanese and safe to show."""


def _today(now: dt.datetime | None) -> dt.date:
    return timezone.localdate(now or timezone.now())


def _start_of(day: dt.date) -> dt.datetime:
    """00:00 JST of `day` (as an aware datetime)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _date_ja(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


# --- cycles -----------------------------------------------------------------------------


def cycle_defaults(fiscal_year: int) -> dict[str, dt.date]:
    """Opens 3月15日, due 4月30日, grace until 5月31日 of the fiscal year's April."""
    return {
        "opens_on": dt.date(fiscal_year, 3, 15),
        "due_on": dt.date(fiscal_year, 4, 30),
        "grace_until": dt.date(fiscal_year, 5, 31),
    }


def _validate_dates(
    *, opens_on: dt.date, due_on: dt.date, grace_until: dt.date, exclude: int | None = None
) -> None:
    if not (opens_on and due_on and grace_until):
        raise RenewalError("受付開始日・確認期限・猶予期限をすべて入力してください。")
    if not opens_on < due_on:
        raise RenewalError("確認期限は受付開始日より後にしてください。")
    if not due_on <= grace_until:
        raise RenewalError("猶予期限は確認期限と同じ日か、それより後にしてください。")
    others = Cycle.objects.exclude(pk=exclude) if exclude else Cycle.objects.all()
    for other in others:
        if opens_on <= other.ends_on and other.opens_on <= grace_until:
            raise RenewalError(
                f"{other}（{_date_ja(other.opens_on)}〜{_date_ja(other.ends_on)}）と期間が"
                "重なっています。年度更新の期間は重ねられません。"
            )


@transaction.atomic
def cycle_create(
    *,
    fiscal_year: int,
    opens_on: dt.date,
    due_on: dt.date,
    grace_until: dt.date,
    actor: User | None,
) -> Cycle:
    Cycle.objects.select_for_update().all().exists()  # one creator at a time
    if Cycle.objects.filter(fiscal_year=fiscal_year).exists():
        raise RenewalError(f"{fiscal_year}年度の年度更新はすでにあります。")
    _validate_dates(opens_on=opens_on, due_on=due_on, grace_until=grace_until)
    return Cycle.objects.create(
        fiscal_year=fiscal_year,
        opens_on=opens_on,
        due_on=due_on,
        grace_until=grace_until,
        created_by=actor,
    )


def _forget_live() -> None:
    """A cycle changed: the cached 'is a cycle running' answer goes, now and after commit."""
    selectors.forget()
    transaction.on_commit(selectors.forget)


def _lock_cycle(cycle_id: int) -> Cycle:
    cycle = Cycle.objects.select_for_update().filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404("年度更新が見つかりません。")
    return cycle


@transaction.atomic
def cycle_update(
    *, cycle_id: int, opens_on: dt.date, due_on: dt.date, grace_until: dt.date
) -> Cycle:
    """Move a cycle's dates. A closed cycle cannot change (no reopening), and an opened
    one keeps its opening day (its members and the first reminder are settled)."""
    cycle = _lock_cycle(cycle_id)
    if cycle.closed_on:
        raise RenewalError("終了した年度更新は変更・再開できません。")
    if cycle.opened_at and opens_on != cycle.opens_on:
        raise RenewalError("受付を始めた年度更新の受付開始日は変えられません。")
    _validate_dates(opens_on=opens_on, due_on=due_on, grace_until=grace_until, exclude=cycle.pk)
    cycle.opens_on, cycle.due_on, cycle.grace_until = opens_on, due_on, grace_until
    cycle.save(update_fields=["opens_on", "due_on", "grace_until"])
    _forget_live()
    return cycle


@transaction.atomic
def cycle_close(*, cycle_id: int, actor: User | None, now: dt.datetime | None = None) -> Cycle:
    """Close early: from today no reminder, no 要確認 and no lapse. Members already lapsed
    stay lapsed (they may still confirm). A closed cycle is never reopened."""
    cycle = _lock_cycle(cycle_id)
    if cycle.closed_on:
        raise RenewalError("この年度更新はすでに終了しています（再開はできません）。")
    today = _today(now)
    if cycle.phase(today) == "ended":
        raise RenewalError("この年度更新は猶予期限を過ぎて終わっています。")
    cycle.closed_on = today
    cycle.save(update_fields=["closed_on"])
    _forget_live()
    transaction.on_commit(coverage_invalidate)  # the public basis changes
    return cycle


@transaction.atomic
def cycle_open(
    *, cycle_id: int, now: dt.datetime | None = None, approved_before: dt.datetime | None = None
) -> int:
    """Settle who must confirm, once, on the opening day: every approved member (not staff)
    approved before the cycle opened. Members approved later, and staff, are already
    confirmed (they have no row). Returns the number of rows created."""
    cycle = _lock_cycle(cycle_id)
    if cycle.opened_at or cycle.closed_on:
        return 0
    cutoff = approved_before or _start_of(cycle.opens_on)
    ids = (
        User.objects.filter(status=User.Status.APPROVED, is_active=True, is_staff=False)
        .filter(Q(approved_at__lt=cutoff) | Q(approved_at__isnull=True))
        .values_list("pk", flat=True)
    )
    rows = [Renewal(cycle=cycle, user_id=pk) for pk in ids.iterator(chunk_size=5000)]
    Renewal.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    cycle.opened_at = now or timezone.now()
    cycle.save(update_fields=["opened_at"])
    _forget_live()
    return len(rows)


# --- a member's confirmation ------------------------------------------------------------


def _lock_renewal(*, user: User) -> Renewal:
    """The member's renewal of the latest opened cycle, locked; 404 when there is none."""
    renewal = (
        Renewal.objects.select_for_update(of=("self",))
        .select_related("cycle")
        .filter(user__pk=user.pk, cycle__opened_at__isnull=False)
        .order_by("-cycle__fiscal_year")
        .first()
    )
    if renewal is None:
        raise Http404("年度更新の対象ではありません。")
    return renewal


@dataclass
class Confirmed:
    renewal: Renewal
    already: bool = False  # it was confirmed before: nothing was done
    change: BodyChange | None = None  # 別の団体: the link went to the new address
    restored: bool = False  # a lapsed member is a member again


def _mark_confirmed(renewal: Renewal, choice: str, now: dt.datetime) -> None:
    """Confirmed. Who counts for coverage changes only with a restore or a move, and
    those accounts services invalidate coverage themselves."""
    renewal.state = S.CONFIRMED
    renewal.choice = choice
    renewal.confirmed_at = now
    renewal.save(update_fields=["state", "choice", "confirmed_at"])


@transaction.atomic
def renewal_confirm(
    *,
    user: User,
    choice: str,
    data: dict[str, Any] | None = None,
    effective_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Confirmed:
    """The member's answer. 変更なし and 同じ団体内で異動 confirm at once (a lapsed member
    is restored); 別の団体へ異動・出向 sends a link to the new work address and confirms
    when it is opened (`body_change_verify`); 退職 is withdrawal (退庁). Confirming twice
    does nothing."""
    now = now or timezone.now()
    data = data or {}
    renewal = _lock_renewal(user=user)
    member = User.objects.select_for_update().get(pk=user.pk)
    if renewal.state == S.CONFIRMED:
        return Confirmed(renewal=renewal, already=True)
    if renewal.state == S.WITHDRAWN or member.status not in {
        User.Status.APPROVED,
        User.Status.LAPSED,
    }:
        raise RenewalError("このアカウントでは年度更新の確認はできません。")
    lapsed = member.status == User.Status.LAPSED
    if choice == C.UNCHANGED:
        if lapsed:
            account_services.member_restore(user_id=member.pk, actor=member)
        _mark_confirmed(renewal, choice, now)
        return Confirmed(renewal=renewal, restored=lapsed)
    if choice == C.MOVED_WITHIN:
        within: dict[str, Any] = {
            k: data[k] for k in ("department", "position", "job_type") if k in data
        }
        if not within.get("department"):
            raise RenewalError("新しい部署を入力してください。")
        if lapsed:
            account_services.member_restore(user_id=member.pk, actor=member)
        account_services.profile_update(user=member, data=within, effective_on=effective_on)
        _mark_confirmed(renewal, choice, now)
        return Confirmed(renewal=renewal, restored=lapsed)
    if choice == C.MOVED_BODY:
        change = _body_change_request(renewal, member, data, effective_on, now)
        return Confirmed(renewal=renewal, change=change)
    if choice == C.RETIRED:
        renewal.state = S.WITHDRAWN
        renewal.choice = choice
        renewal.confirmed_at = now
        renewal.save(update_fields=["state", "choice", "confirmed_at"])
        account_services.member_withdraw(user_id=member.pk, actor=member)
        return Confirmed(renewal=renewal)
    raise RenewalError("回答を選んでください。")


def _body_change_request(
    renewal: Renewal, member: User, data: dict[str, Any], effective_on, now
) -> BodyChange:
    kind = data.get("affiliation_type")
    if kind not in AffiliationType.values:
        raise RenewalError("新しい所属の種類を選んでください。")
    email = (data.get("work_email") or "").strip().lower()
    if "@" not in email:
        raise RenewalError("新しい職場のメールアドレスを入力してください。")
    lg = data.get("local_government") if kind == AffiliationType.LOCAL_GOVERNMENT else None
    if kind == AffiliationType.LOCAL_GOVERNMENT and lg is None:
        raise RenewalError("新しい所属自治体を選んでください。")
    new = {
        "affiliation_type": kind,
        "local_government": lg,
        "ministry": data.get("ministry", "") if kind == AffiliationType.MINISTRY else "",
        "other_body": data.get("other_body", "") if kind == AffiliationType.OTHER else "",
    }
    current = {
        "affiliation_type": member.affiliation_type,
        "local_government": member.local_government,
        "ministry": member.ministry,
        "other_body": member.other_body,
    }
    if new == current:
        raise RenewalError(
            "いまと同じ団体です。部署だけが変わったときは「同じ団体内で異動」を選んでください。"
        )
    change = BodyChange.objects.create(
        renewal=renewal,
        **new,
        department=data.get("department", ""),
        position=data.get("position", ""),
        job_type=data.get("job_type", ""),
        work_email=email,
        effective_on=effective_on,
        token=secrets.token_urlsafe(32),
        created_at=now,
    )
    place = str(lg) if lg else new["ministry"] or new["other_body"]
    mail_enqueue(
        to=email,
        recipient=member,
        template="renewal_verify_email",
        context={
            "name": member.display_name,
            "year": renewal.cycle.label,
            "place": place,
            "path": f"/renewal/verify/{change.token}/",
        },
    )
    return change


def _trusted_for(change: BodyChange) -> bool:
    """The new address's domain is a trusted domain of the new local government."""
    domain = account_services.trusted_domain_for(change.work_email)
    return bool(
        domain
        and change.local_government_id
        and domain.local_government_id == change.local_government_id
    )


@transaction.atomic
def body_change_verify(*, user: User, token: str, now: dt.datetime | None = None) -> Confirmed:
    """The member opened the link sent to their new work address: the change of body is
    recorded by accounts (history, the staff review flag `affiliation_review_pending`), and
    verified at once when the address's domain is trusted for the new body. Someone else's
    link, or an old one, is a 404; opening it twice does nothing."""
    now = now or timezone.now()
    change = (
        BodyChange.objects.select_for_update(of=("self",))
        .select_related("renewal__cycle", "local_government")
        .filter(token=token, renewal__user__pk=user.pk)
        .first()
    )
    if change is None:
        raise Http404("確認用のリンクが見つかりません。")
    renewal = Renewal.objects.select_for_update().select_related("cycle").get(pk=change.renewal_id)
    if change.verified_at:
        return Confirmed(renewal=renewal, change=change, already=True)
    latest = BodyChange.objects.filter(renewal=renewal).order_by("-created_at", "-pk").first()
    if latest is None or latest.pk != change.pk:
        raise Http404("このリンクは新しい確認メールで置き換えられました。")
    if renewal.state != S.PENDING and renewal.state != S.LAPSED:
        raise RenewalError("年度更新はすでに済んでいます。")
    member = User.objects.select_for_update().get(pk=user.pk)
    if member.status not in {User.Status.APPROVED, User.Status.LAPSED}:
        raise RenewalError("このアカウントでは年度更新の確認はできません。")
    change.verified_at = now
    change.trusted = _trusted_for(change)
    change.save(update_fields=["verified_at", "trusted"])
    data = {
        "affiliation_type": change.affiliation_type,
        "local_government": change.local_government,
        "ministry": change.ministry,
        "other_body": change.other_body,
        "work_email": change.work_email,
    }
    for field in ("department", "position", "job_type"):
        if getattr(change, field):
            data[field] = getattr(change, field)
    account_services.profile_update(
        user=member, data=data, effective_on=change.effective_on, allow_lapsed=True
    )
    restored = False
    if change.trusted:
        was_lapsed = member.status == User.Status.LAPSED
        account_services.affiliation_verify(user_id=member.pk, actor=None)
        restored = was_lapsed
    _mark_confirmed(renewal, C.MOVED_BODY, now)
    return Confirmed(renewal=renewal, change=change, restored=restored)


# --- the scan: opening, reminders, lapses -------------------------------------------------


def reminder_due(cycle: Cycle, today: dt.date) -> str | None:
    """The one reminder due today: the latest of the four whose day has come, while the
    cycle runs. A beat that was down for a week sends this one only, never the missed."""
    if cycle.phase(today) not in {"open", "overdue"}:
        return None
    due = None
    for kind, day in cycle.reminder_dates:
        if day <= today:
            due = kind
    return due


REMINDER_TEXT = {
    Reminder.Kind.OPENING: "年度更新（在職の確認）の受付を始めました",
    Reminder.Kind.DUE_SOON: "年度更新の期限まで2週間です",
    Reminder.Kind.DUE: "本日が年度更新の期限です",
    Reminder.Kind.GRACE_SOON: "年度更新の猶予期限まで1週間です",
}


def reminders_send(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Send the reminder due now to every member of a running cycle who has not confirmed
    and has not had it: in batches, each its own transaction, rows locked with SKIP
    LOCKED; the `Reminder` row (unique per renewal and kind) and the outbox dedupe key make
    it once. Safe to run twice, and by two beats at once."""
    now = now or timezone.now()
    today = _today(now)
    sent = 0
    for cycle in Cycle.objects.filter(opened_at__isnull=False, closed_on__isnull=True):
        kind = reminder_due(cycle, today)
        if kind is None:
            continue
        while True:
            n = _reminder_batch(cycle, kind, now, batch)
            sent += n
            if n < batch:
                break
    return sent


@transaction.atomic
def _reminder_batch(cycle: Cycle, kind: str, now: dt.datetime, batch: int) -> int:
    rows = list(
        Renewal.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            cycle=cycle,
            state=S.PENDING,
            user__status=User.Status.APPROVED,
            user__is_active=True,
        )
        .filter(~Exists(Reminder.objects.filter(renewal=OuterRef("pk"), kind=kind)))
        .select_related("user")
        .order_by("pk")[:batch]
    )
    if not rows:
        return 0
    Reminder.objects.bulk_create(
        [Reminder(renewal=r, kind=kind, sent_at=now) for r in rows], ignore_conflicts=True
    )
    context_common = {
        "year": cycle.label,
        "kind": kind,
        "headline": REMINDER_TEXT[Reminder.Kind(kind)],
        "due": _date_ja(cycle.due_on),
        "grace": _date_ja(cycle.grace_until),
        "path": "/renewal/",
    }
    mails_enqueue_bulk(
        mails=[
            {
                "to": renewal.user.email,
                "recipient": renewal.user,
                "template": "renewal_reminder",
                "context": {"name": renewal.user.display_name, **context_common},
                "dedupe_key": f"renewals:{cycle.pk}:{renewal.user_id}:{kind}",
            }
            for renewal in rows
        ]
    )
    return len(rows)


def lapses_apply(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """After the grace, every member of the cycle who has not confirmed loses member access
    (accounts `member_lapse`: seats given back, no coverage count) and gets one notice.
    Batches with SKIP LOCKED; safe to run twice. A cycle closed early lapses nobody."""
    now = now or timezone.now()
    today = _today(now)
    lapsed = 0
    for cycle in Cycle.objects.filter(
        opened_at__isnull=False, closed_on__isnull=True, lapsed_at__isnull=True
    ):
        if today <= cycle.grace_until:
            continue
        while True:
            n = _lapse_batch(cycle, now, batch)
            lapsed += n
            if n < batch:
                break
        Cycle.objects.filter(pk=cycle.pk).update(lapsed_at=now)
    return lapsed


@transaction.atomic
def _lapse_batch(cycle: Cycle, now: dt.datetime, batch: int) -> int:
    rows = list(
        Renewal.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(cycle=cycle, state=S.PENDING, user__status=User.Status.APPROVED)
        .order_by("pk")[:batch]
    )
    for renewal in rows:
        user = account_services.member_lapse(
            user_id=renewal.user_id, message=f"{cycle.label}の年度更新が未確認"
        )
        renewal.state = S.LAPSED
        renewal.lapsed_at = now
        renewal.save(update_fields=["state", "lapsed_at"])
        mail_enqueue(
            to=user.email,
            recipient=user,
            template="renewal_lapsed",
            context={"name": user.display_name, "year": cycle.label, "path": "/renewal/"},
            dedupe_key=f"renewals:{cycle.pk}:{user.pk}:lapsed",
        )
    return len(rows)


def cycles_open(*, now: dt.datetime | None = None) -> int:
    """Open every cycle whose opening day has come (once)."""
    today = _today(now)
    opened = 0
    for cycle in Cycle.objects.filter(
        opened_at__isnull=True, closed_on__isnull=True, opens_on__lte=today
    ):
        if cycle.phase(today) in {"open", "overdue"}:
            opened += cycle_open(cycle_id=cycle.pk, now=now)
    return opened


def renewals_scan(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic task: open, remind, lapse."""
    now = now or timezone.now()
    return {
        "opened": cycles_open(now=now),
        "reminded": reminders_send(now=now),
        "lapsed": lapses_apply(now=now),
    }


# --- withdrawal -----------------------------------------------------------------------------


def personal_data_erase(*, user: User, emails: list[str]) -> None:
    """renewals' part of withdrawal: the new affiliations and addresses reported, and the
    member's open renewals end (退庁)."""
    BodyChange.objects.filter(renewal__user=user).delete()
    Renewal.objects.filter(user=user, state__in=[S.PENDING, S.LAPSED]).update(state=S.WITHDRAWN)
