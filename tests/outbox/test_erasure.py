"""The outbox on 退庁: every row to or about the member is erased; the farewell forgets
itself once sent (issue 9 item 2, outbox's part)."""

from __future__ import annotations

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from outbox import services
from outbox.models import OutgoingMail
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _row(**kw):
    return services.mail_enqueue(
        **{"to": "x@city.example.lg.jp", "template": "x", "subject": "件名", "body": "本文", **kw}
    )


def test_rows_to_and_about_the_member_are_erased_and_the_rest_stays():
    member = MemberFactory(full_name="消去 花子", email="hanako@city.example.lg.jp")
    other = MemberFactory(full_name="残る 太郎")
    by_recipient = _row(
        to="old@city.example.lg.jp", recipient=member, context={"name": "消去 花子"}
    )
    by_address = _row(to="Hanako.Work@City.Example.lg.jp")
    about = _row(
        to=other.email,
        recipient=other,
        template="sections_join_request",
        body="消去 花子 様から参加申請が届きました。",
        context={"applicant_name": "消去 花子"},
    )
    untouched = _row(to=other.email, recipient=other, body="別の話")
    services.mail_deliver(mail_id=by_recipient.pk)  # one sent, the others still queued
    sent_at = OutgoingMail.objects.get(pk=by_recipient.pk).sent_at

    erased = services.mails_erase_for(
        user=member, emails=["hanako@city.example.lg.jp", "hanako.work@city.example.lg.jp"]
    )
    assert erased == 3
    for row in OutgoingMail.objects.filter(pk__in=[by_recipient.pk, by_address.pk, about.pk]):
        assert (row.to_email, row.subject, row.body, row.context, row.headers) == (
            "",
            "",
            "",
            {},
            {},
        )
        assert row.recipient_id is None and row.template and row.created_at
    sent = OutgoingMail.objects.get(pk=by_recipient.pk)
    assert sent.status == "sent" and sent.sent_at == sent_at  # the audit facts stay
    # Queued rows to or about them are cancelled: nothing more goes out.
    assert OutgoingMail.objects.get(pk=by_address.pk).status == "cancelled"
    assert OutgoingMail.objects.get(pk=about.pk).status == "cancelled"
    kept = OutgoingMail.objects.get(pk=untouched.pk)
    assert kept.status == "queued" and kept.body == "別の話" and kept.to_email == other.email
    django_mail.outbox.clear()
    services.mails_deliver_due()
    assert [m.to for m in django_mail.outbox] == [[other.email]]


def test_a_mail_with_erase_after_send_forgets_itself_once_sent():
    row = _row(to="bye@city.example.lg.jp", context={"name": "去る 人"}, erase_after_send=True)
    assert row.to_email == "bye@city.example.lg.jp"  # until it is sent
    assert services.mail_deliver(mail_id=row.pk) is True
    assert django_mail.outbox[0].to == ["bye@city.example.lg.jp"]
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_at
    assert (row.to_email, row.subject, row.body, row.context) == ("", "", "", {})


def test_a_farewell_given_up_forgets_itself_too(monkeypatch):
    row = _row(to="bye@city.example.lg.jp", erase_after_send=True)
    OutgoingMail.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda *a, **k: (_ for _ in ()).throw(OSError("refused bye@city.example.lg.jp")),
    )
    with pytest.raises(OSError):
        services.mail_deliver(mail_id=row.pk, now=timezone.now())
    row.refresh_from_db()
    assert row.status == "failed" and row.to_email == "" and row.last_error == ""
