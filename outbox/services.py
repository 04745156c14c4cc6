"""The mail outbox: every e-mail is a row first, sent after commit, at most once."""

from __future__ import annotations

import json
import logging
import smtplib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone

from .models import OutgoingMail

logger = logging.getLogger(__name__)
# Retries: the sweep retries a row after 1, 2, 4 … minutes (capped at 2 h) and gives it up
# at the 12th failed attempt, about ten hours after the first: an SMTP outage of a few hours
# loses nothing.
MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 2 * 60 * 60


def render_plain(name: str, context: dict[str, Any]) -> str:
    """Render a plain-text mail template with autoescape off: a mail is not HTML, so
    `"研修" <A&B>` must stay as typed, never `&quot;研修&quot; &lt;A&amp;B&gt;`. Every mail
    template of the site (ours under templates/mail/, allauth's under
    templates/account/email/) is rendered through here."""
    template = get_template(name).template  # type: ignore[attr-defined]  # the engine's Template, not the backend wrapper
    return template.render(Context(dict(context), autoescape=False))


def mail_context(context: dict[str, Any]) -> dict[str, Any]:
    return {"site_name": "横糸", "site_url": settings.SITE_URL, **context}


def _render(template: str, context: dict[str, Any]) -> tuple[str, str]:
    ctx = mail_context(context)
    subject = render_plain(f"mail/{template}.subject.txt", ctx).strip().replace("\n", " ")
    body = render_plain(f"mail/{template}.txt", ctx)
    return f"[横糸] {subject}", body


def _schedule_send(mail_id: int, *, sync: bool) -> None:
    def send() -> None:
        if sync:
            try:
                mail_deliver(mail_id=mail_id)
            except Exception:  # SMTP down: the row keeps its backoff and the sweep retries
                logger.warning("outbox: mail %s not sent now; the sweep will retry", mail_id)
            return
        from .tasks import mail_send

        try:
            mail_send.delay(mail_id)
        except Exception:  # broker down: the beat sweep sends the row
            logger.warning("outbox: could not enqueue mail %s; the sweep will retry", mail_id)

    transaction.on_commit(send)


def mail_enqueue(
    *,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    recipient: Any = None,  # a User or None (outbox sits below accounts: no import)
    dedupe_key: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    attachments: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    sync: bool = False,
    erase_after_send: bool = False,
) -> OutgoingMail | None:
    """Write a mail row in the caller's transaction and send it once that commits.

    `context` must be JSON-serialisable; it is stored for the audit and rendered now, so
    the mail says what was true when it was caused. With `dedupe_key`, a second call with
    the same key writes nothing and returns None (exactly-once reminders). `sync=True`
    sends in-process after commit instead of through Celery (used for allauth's mails,
    which must go out even while the broker is down). `headers` are extra message
    headers (e.g. List-Unsubscribe), stored on the row and sent with it. With
    `erase_after_send=True` the row forgets its address, subject, body and context once it
    was sent (or given up): the farewell of a member who withdraws (退庁)."""
    context = context or {}
    if subject is None or body is None:
        subject, body = _render(template, context)
    try:
        with transaction.atomic():
            mail = OutgoingMail.objects.create(
                to_email=to,
                recipient=recipient,
                template=template,
                context=context,
                subject=subject[:255],
                body=body,
                attachments=attachments or [],
                headers=headers or {},
                dedupe_key=dedupe_key,
                erase_after_send=erase_after_send,
            )
    except IntegrityError:
        if dedupe_key and OutgoingMail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    _schedule_send(mail.pk, sync=sync)
    return mail


def _insert_ignoring_conflicts(rows: list[OutgoingMail]) -> None:
    """`INSERT … ON CONFLICT DO NOTHING` of many rows.

    Elsewhere this is `bulk_create(ignore_conflicts=True)`. On PostgreSQL, Django's
    bulk_create binds the rows as arrays (`UNNEST`), which psycopg quotes in pure Python,
    character by character, and a multi-row VALUES of 500 rows is parsed for its
    placeholders on the client: for 10,000 mail bodies either was most of the scan's time.
    There the rows are streamed with `COPY` (psycopg's C encoder) into a temporary table
    of this transaction and moved with one `INSERT … SELECT … ON CONFLICT DO NOTHING`."""
    from django.db import connection as db

    if db.vendor != "postgresql":
        OutgoingMail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        return
    columns = [
        "to_email", "recipient_id", "template", "context", "subject", "body", "attachments",
        "headers", "dedupe_key", "status", "attempts", "last_error", "created_at",
        "next_attempt_at", "erase_after_send",
    ]  # fmt: skip
    json_columns = {"context", "attachments", "headers"}
    table = db.ops.quote_name(OutgoingMail._meta.db_table)
    names = ", ".join(db.ops.quote_name(c) for c in columns)
    stage = "yk_outbox_stage"
    with transaction.atomic(), db.cursor() as cursor:
        # The stage has the columns' types and no constraints; ON COMMIT DROP ends it with
        # the transaction, and a second call in the same transaction empties it first.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {stage}")
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(getattr(row, c), ensure_ascii=False)
                        if c in json_columns
                        else getattr(row, c)
                        for c in columns
                    ]
                )
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} ON CONFLICT DO NOTHING"
        )


def mails_enqueue_bulk(*, mails: Iterable[dict[str, Any]]) -> int:
    """Write many mails in one set-based insert (scheduled reminders and digests).

    Each item takes the keyword arguments of `mail_enqueue` (`to`, `template`, `context`,
    `recipient`, `dedupe_key`, `headers`, `attachments`, `erase_after_send`); `dedupe_key`
    is required. Rows whose key exists already are skipped by the database
    (`INSERT … ON CONFLICT DO NOTHING`), with no per-row exception handling; callers check
    existing keys first so that they render nothing for rows that exist. After commit one
    delivery batch is kicked (not a task per mail). Returns how many rows were written."""
    now = timezone.now()
    rows = []
    for item in mails:
        if not item.get("dedupe_key"):
            raise ValueError("mails_enqueue_bulk needs a dedupe_key for every mail")
        context = item.get("context") or {}
        subject, body = item.get("subject"), item.get("body")
        if subject is None or body is None:
            subject, body = _render(item["template"], context)
        recipient = item.get("recipient")
        rows.append(
            OutgoingMail(
                to_email=item["to"],
                recipient_id=getattr(recipient, "pk", recipient),
                template=item["template"],
                context=context,
                subject=subject[:255],
                body=body,
                attachments=item.get("attachments") or [],
                headers=item.get("headers") or {},
                dedupe_key=item["dedupe_key"],
                erase_after_send=bool(item.get("erase_after_send")),
                created_at=now,
                next_attempt_at=now,
            )
        )
    if not rows:
        return 0
    _insert_ignoring_conflicts(rows)
    # How many this call wrote (a parallel scan may have written some keys first): the
    # rows carry this call's own `created_at`, to the microsecond.
    written = OutgoingMail.objects.filter(
        created_at=now, template__in={row.template for row in rows}
    ).count()
    if written:
        _kick_delivery()
    if written >= ANALYZE_AFTER_ROWS:
        analyze_after_commit(OutgoingMail)
    return written


# After a burst this large, the planner's statistics of the table are refreshed at once
# rather than when autovacuum gets to it: with stale statistics (an "empty" table) the next
# scan's NOT EXISTS was planned as a nested loop and took a minute instead of 0.1 s.
ANALYZE_AFTER_ROWS = 1000


def analyze_after_commit(model) -> None:
    """PostgreSQL: `ANALYZE <table>` once the caller's transaction committed."""
    from django.db import connection as db

    if db.vendor != "postgresql":
        return

    def analyze() -> None:
        try:
            with db.cursor() as cursor:
                cursor.execute(f"ANALYZE {db.ops.quote_name(model._meta.db_table)}")
        except Exception:  # statistics are an optimisation
            logger.warning("outbox: ANALYZE %s failed", model._meta.db_table, exc_info=True)

    transaction.on_commit(analyze)


# --- Delivery: one owner of retries -------------------------------------------------------
#
# A row is due when it is queued and `next_attempt_at` has passed. Whoever sends (the
# per-mail kick after commit, the beat-driven sweep, a batch task, the admin's 再送) first
# *claims* due rows: it locks them with SKIP LOCKED, moves `next_attempt_at` a lease ahead
# (CLAIM_SECONDS) and commits, so no one else sees them as due while it sends. Each message
# is then marked sent (or failed, with its backoff) in its own small commit right after the
# transport took it: a worker killed with `kill -9` can repeat at most the one message it
# was handing over, and every message carries a Message-ID derived from its row, so that a
# repeat is the same message to mail clients. A worker that dies leaves its other claimed
# rows to come due again when the lease runs out. Nothing retries on its own (no Celery
# autoretry): a failed attempt only writes the next moment, and the sweep finds it then.


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, capped at two
    hours. With MAX_ATTEMPTS = 12 a row is given up about ten hours after its first try."""
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds)


def _claim_seconds() -> int:
    return int(getattr(settings, "OUTBOX_CLAIM_SECONDS", 300))


def batch_size() -> int:
    return int(getattr(settings, "OUTBOX_BATCH_SIZE", 200))


def message_id(mail: OutgoingMail) -> str:
    """The Message-ID of a row: the same on every attempt, unique per row and database."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "yokoito.example"
    stamp = int(mail.created_at.timestamp()) if mail.created_at else 0
    return f"<outbox.{mail.pk}.{stamp}@{domain}>"


def _message(mail: OutgoingMail, connection) -> EmailMessage:
    headers = dict(mail.headers or {})
    headers["Message-ID"] = message_id(mail)
    message = EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to_email],
        headers=headers,
        connection=connection,
    )
    for item in mail.attachments or []:
        message.attach(item["filename"], item["content"], item["mimetype"])
    return message


def mails_claim(
    *, now: datetime | None = None, limit: int | None = None, ids: list[int] | None = None
) -> list[OutgoingMail]:
    """Lock up to `limit` due rows (SKIP LOCKED: rows another sender holds are passed over),
    move their `next_attempt_at` a lease ahead and commit. Returns the claimed rows."""
    now = now or timezone.now()
    with transaction.atomic():
        due = OutgoingMail.objects.select_for_update(skip_locked=True).filter(
            status=OutgoingMail.Status.QUEUED, next_attempt_at__lte=now
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        rows = list(due.order_by("next_attempt_at", "id")[: limit or batch_size()])
        if rows:
            OutgoingMail.objects.filter(pk__in=[row.pk for row in rows]).update(
                next_attempt_at=now + timedelta(seconds=_claim_seconds())
            )
    return rows


# What a row keeps once it is erased: template, status, dates, attempts, dedupe key.
ERASED: dict[str, Any] = {
    "to_email": "",
    "recipient": None,
    "subject": "",
    "body": "",
    "context": {},
    "headers": {},
    "attachments": [],
    "last_error": "",
}


def _mark_sent(mail: OutgoingMail, now: datetime) -> None:
    OutgoingMail.objects.filter(pk=mail.pk, status=OutgoingMail.Status.QUEUED).update(
        status=OutgoingMail.Status.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        **{"last_error": "", **(ERASED if mail.erase_after_send else {})},
    )


def _mark_failed_attempt(mail: OutgoingMail, exc: Exception, now: datetime) -> bool:
    """Count a failed attempt; give the row up after MAX_ATTEMPTS. True if given up."""
    attempts = mail.attempts + 1
    given_up = attempts >= MAX_ATTEMPTS
    changes = {
        "attempts": attempts,
        "last_error": f"{type(exc).__name__}: {exc}"[:2000],
        "status": OutgoingMail.Status.FAILED if given_up else OutgoingMail.Status.QUEUED,
        "next_attempt_at": now + retry_delay(attempts),
    }
    if given_up and mail.erase_after_send:
        changes.update(ERASED)
    OutgoingMail.objects.filter(pk=mail.pk, status=OutgoingMail.Status.QUEUED).update(**changes)
    if given_up:
        logger.error("outbox: mail %s given up after %s attempts", mail.pk, attempts)
    return given_up


def _release(mails: list[OutgoingMail], now: datetime) -> None:
    """Hand claimed rows that were not tried back (due again at once, attempts unchanged)."""
    if mails:
        OutgoingMail.objects.filter(
            pk__in=[m.pk for m in mails], status=OutgoingMail.Status.QUEUED
        ).update(next_attempt_at=now)


# The server refused this one message (its recipient, sender or data): the connection is
# still good, so the batch goes on. Any other error stops the batch.
PER_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed_attempts: int = 0
    given_up: int = 0
    error: Exception | None = None


def mails_send_batch(
    *,
    now: datetime | None = None,
    limit: int | None = None,
    ids: list[int] | None = None,
) -> BatchResult:
    """Claim a batch of due rows and send them over one connection of EMAIL_BACKEND.

    Each row is marked right after the transport took it (its own commit). When the
    transport fails, that row gets its backoff; on a per-message refusal the batch goes on,
    on any other error (connection refused, timeout, server gone) the rest of the batch is
    handed back untried, so an outage costs one attempt per batch, not one per row."""
    result = BatchResult()
    rows = mails_claim(now=now, limit=limit, ids=ids)
    result.claimed = len(rows)
    if not rows:
        return result
    connection = get_connection(fail_silently=False)
    relaxed = _relax_commits()
    try:
        try:
            connection.open()
        except Exception as exc:
            result.error = exc
            result.failed_attempts = 1
            result.given_up += _mark_failed_attempt(rows[0], exc, now or timezone.now())
            _release(rows[1:], now or timezone.now())
            return result
        for index, mail in enumerate(rows):
            try:
                connection.send_messages([_message(mail, connection)])
            except Exception as exc:
                clock = now or timezone.now()
                result.error = exc
                result.failed_attempts += 1
                result.given_up += _mark_failed_attempt(mail, exc, clock)
                if isinstance(exc, PER_MESSAGE_ERRORS):
                    continue
                _release(rows[index + 1 :], clock)
                break
            _mark_sent(mail, now or timezone.now())
            result.sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # a dead connection cannot be closed politely
            logger.warning("outbox: closing the mail connection failed", exc_info=True)
        if relaxed:
            _restore_commits()
    return result


def _relax_commits() -> bool:
    """On PostgreSQL, the per-row marks of a batch commit without waiting for the WAL flush
    (`synchronous_commit = off` for this session, outside any transaction of the caller).

    A killed worker loses nothing by it: the server has every mark it acknowledged. Only a
    crash of the database server itself could forget the last few marks (at most
    `wal_writer_delay`, 200 ms): those mails would be sent once more, with the same
    Message-ID. Waiting for a disk flush for each mail would cost far more (one fsync per
    message)."""
    from django.db import connection as db

    if db.vendor != "postgresql" or db.in_atomic_block:
        return False
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    return True


def _restore_commits() -> None:
    from django.db import connection as db

    try:
        with db.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    except Exception:  # the connection broke; it is discarded anyway
        logger.warning("outbox: could not reset synchronous_commit", exc_info=True)


def mail_deliver(*, mail_id: int, now: datetime | None = None) -> bool:
    """Send one row now if it is due (queued, not in backoff, not claimed by a sender).
    Returns True if it was sent now; False if it was not due, already sent, gone or given
    up. Raises the transport's error after recording the attempt and its backoff."""
    result = mails_send_batch(now=now, limit=1, ids=[mail_id])
    if result.error is not None:
        raise result.error
    return result.sent == 1


def mails_deliver_due(
    *, now: datetime | None = None, max_batches: int | None = None, budget_seconds: float = 50
) -> int:
    """Send due rows batch after batch until none is left, a batch stops on an error, or
    the time budget is spent (the next sweep goes on). Returns how many were sent."""
    started = time.monotonic()
    sent = batches = 0
    while True:
        result = mails_send_batch(now=now)
        sent += result.sent
        batches += 1
        if result.claimed < batch_size() or result.error is not None:
            return sent
        if max_batches is not None and batches >= max_batches:
            return sent
        if time.monotonic() - started > budget_seconds:
            return sent


def mails_due_exist(*, now: datetime | None = None) -> bool:
    return OutgoingMail.objects.filter(
        status=OutgoingMail.Status.QUEUED, next_attempt_at__lte=now or timezone.now()
    ).exists()


@transaction.atomic
def mails_resend(*, mail_ids: list[int], now: datetime | None = None) -> int:
    """再送 (staff): failed rows become due now with a fresh attempt count. Only failed
    rows: a queued row may be in a sender's hands right now (its lease), and a sent row is
    never sent again. Returns how many were re-queued."""
    now = now or timezone.now()
    ids = list(
        OutgoingMail.objects.select_for_update()
        .filter(pk__in=mail_ids, status=OutgoingMail.Status.FAILED)
        .values_list("pk", flat=True)
    )
    OutgoingMail.objects.filter(pk__in=ids).update(
        status=OutgoingMail.Status.QUEUED, attempts=0, next_attempt_at=now
    )
    if ids:
        _kick_delivery()
    return len(ids)


def _kick_delivery() -> None:
    """After commit, ask a worker to send a batch now (the sweep does it anyway later)."""

    def kick() -> None:
        from .tasks import outbox_deliver

        try:
            outbox_deliver.delay()
        except Exception:  # broker down: the beat sweep delivers later
            logger.warning("outbox: could not enqueue a delivery batch; the sweep will")

    transaction.on_commit(kick)


# --- Erasure (退庁) -------------------------------------------------------------------------


def mails_erase_for(*, user, emails: list[str]) -> int:
    """退庁: every row to the member (their account, or any of their addresses) or about them
    (their name or an address in the subject, body or context — a head's join-request
    mail, a mention) loses address, names, body and context; template, status and dates
    stay for the audit. Rows still queued are cancelled: nothing more goes out to them or
    about them (the farewell is queued after this, and erases itself once sent).
    Returns how many rows were erased."""
    from django.db.models import Q

    addresses = sorted({e.strip() for e in emails if e and e.strip()})
    to_them = Q(recipient=user)
    for address in addresses:
        to_them |= Q(to_email__iexact=address)
    about = Q()
    needles = [*addresses]
    name = (getattr(user, "full_name", "") or "").strip()
    if len(name) >= 2:
        needles.append(name)
    for needle in needles:
        about |= Q(subject__contains=needle) | Q(body__contains=needle)
        about |= Q(context__icontains=needle) | Q(last_error__contains=needle)
    ids = list(OutgoingMail.objects.filter(to_them | about).values_list("pk", flat=True))
    if not ids:
        return 0
    OutgoingMail.objects.filter(pk__in=ids, status=OutgoingMail.Status.QUEUED).update(
        status=OutgoingMail.Status.CANCELLED
    )
    return OutgoingMail.objects.filter(pk__in=ids).update(**ERASED)


def personal_data_erase(*, user, emails: list[str]) -> None:
    mails_erase_for(user=user, emails=emails)
