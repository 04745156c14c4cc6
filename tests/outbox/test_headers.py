import pytest
from django.core import mail as django_mail
from django.db import transaction

from outbox.services import mail_deliver, mail_enqueue


@pytest.mark.django_db
def test_extra_headers_are_stored_and_sent(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with transaction.atomic():
        row = mail_enqueue(
            to="a@city.example.lg.jp",
            template="x",
            subject="件名",
            body="本文",
            headers={"List-Unsubscribe": "<https://yokoito.example/u/abc>"},
            sync=True,
        )
    row.refresh_from_db()
    assert row.headers == {"List-Unsubscribe": "<https://yokoito.example/u/abc>"}
    if row.status == "queued":
        mail_deliver(mail_id=row.pk)
    sent = django_mail.outbox[-1]
    assert sent.extra_headers["List-Unsubscribe"] == "<https://yokoito.example/u/abc>"
