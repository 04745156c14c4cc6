"""The mail outbox: every e-mail is a row first, sent after commit, at most once."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import OutgoingMail

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def _render(template: str, context: dict[str, Any]) -> tuple[str, str]:
    ctx = {"site_name": "横糸", "site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"mail/{template}.subject.txt", ctx).strip().replace("\n", " ")
    body = render_to_string(f"mail/{template}.txt", ctx)
    return f"[横糸] {subject}", body


def _schedule_send(mail_id: int, *, sync: bool) -> None:
    def send() -> None:
        if sync:
            mail_deliver(mail_id=mail_id)
            return
        from .tasks import mail_send

        try:
            mail_send.delay(mail_id)
        except Exception:  # broker down: the periodic sweep picks the row up later
            logger.warning("outbox: could not enqueue mail %s; the sweep will retry", mail_id)

    transaction.on_commit(send)


def mail_enqueue(
    *,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    recipient=None,
    dedupe_key: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    attachments: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    sync: bool = False,
) -> OutgoingMail | None:
    """Write a mail row in the caller's transaction and send it once that commits.

    `context` must be JSON-serialisable; it is stored for the audit and rendered now, so
    the mail says what was true when it was caused. With `dedupe_key`, a second call with
    the same key writes nothing and returns None (exactly-once reminders). `sync=True`
    sends in-process after commit instead of through Celery (used for allauth's mails,
    which must go out even while the broker is down). `headers` are extra message
    headers (e.g. List-Unsubscribe), stored on the row and sent with it."""
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
            )
    except IntegrityError:
        if dedupe_key and OutgoingMail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    _schedule_send(mail.pk, sync=sync)
    return mail


def mail_enqueue_many(*, mails: list[dict[str, Any]]) -> int:
    """`mail_enqueue` for a batch (a reminder scan's 500): each item takes `to`,
    `template`, `context`, `recipient`, `dedupe_key`. Rendered now, written with one
    INSERT in the caller's transaction, each sent after commit like `mail_enqueue`'s.
    Items whose dedupe key is already in the outbox are skipped; if another process
    writes one of the keys meanwhile, the batch falls back to one `mail_enqueue` each
    (which skips it). Returns the number of rows written."""
    keys = [item["dedupe_key"] for item in mails if item.get("dedupe_key")]
    existing = set(
        OutgoingMail.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    fresh = [
        item for item in mails if not item.get("dedupe_key") or item["dedupe_key"] not in existing
    ]
    rows = []
    for item in fresh:
        context = item.get("context") or {}
        subject, body = _render(item["template"], context)
        rows.append(
            OutgoingMail(
                to_email=item["to"],
                recipient=item.get("recipient"),
                template=item["template"],
                context=context,
                subject=subject[:255],
                body=body,
                dedupe_key=item.get("dedupe_key"),
            )
        )
    try:
        with transaction.atomic():
            created = OutgoingMail.objects.bulk_create(rows)
    except IntegrityError:
        return sum(1 for item in fresh if mail_enqueue(**item))
    ids = [mail.pk for mail in created]

    def send() -> None:  # one task for the batch: one publish instead of 500
        from .tasks import mail_send_many

        try:
            mail_send_many.delay(ids)
        except Exception:  # broker down: the periodic sweep picks the rows up later
            logger.warning("outbox: could not enqueue %s mails; the sweep will retry", len(ids))

    if ids:
        transaction.on_commit(send)
    return len(created)


def mail_deliver(*, mail_id: int) -> bool:
    """Send one queued row. Returns True if it was sent now; False if it was already sent,
    gone or given up. Raises the transport's error so the caller can retry."""
    error: Exception | None = None
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.status != OutgoingMail.Status.QUEUED:
            return False
        mail.attempts += 1
        message = EmailMessage(
            subject=mail.subject,
            body=mail.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[mail.to_email],
            headers=dict(mail.headers or {}),
        )
        for item in mail.attachments:
            message.attach(item["filename"], item["content"], item["mimetype"])
        try:
            message.send(fail_silently=False)
        except Exception as exc:
            mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if mail.attempts >= MAX_ATTEMPTS:
                mail.status = OutgoingMail.Status.FAILED
            mail.save(update_fields=["attempts", "last_error", "status"])
            error = exc  # commit the attempt count first, then let the caller retry
        else:
            mail.status = OutgoingMail.Status.SENT
            mail.sent_at = timezone.now()
            mail.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            return True
    assert error is not None
    raise error


def mails_requeue_stale(*, older_than_seconds: int = 120) -> list[int]:
    """Ids of rows still queued after a while: the broker or the worker was down."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        OutgoingMail.objects.filter(
            status=OutgoingMail.Status.QUEUED, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
