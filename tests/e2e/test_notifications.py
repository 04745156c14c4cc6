"""Browser journey: a member mentioned in a reply sees the bell count rise, opens the
inbox and lands on the reply; sets a section to ミュート; unsubscribes from the digest
through the link in a real digest mail file, without signing in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from discussions import services as discussions
from notifications import services as notifications
from notifications.models import Preference
from notifications.selectors import level_of
from outbox.models import OutgoingMail
from outbox.services import mail_deliver
from sections import services as sections
from tests.e2e.helpers import sign_in
from tests.factories import MemberFactory, SectionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_bell_inbox_reply_mute_and_digest_unsubscribe(page, tmp_path, settings):
    settings.SITE_URL = page.base_url
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    first = SectionFactory(name="E2E子育て課", slug="e2e-kosodate")
    second = SectionFactory(name="E2E防災課", slug="e2e-bousai")
    me = MemberFactory(full_name="通知 花子")
    other = MemberFactory(full_name="投稿 太郎")
    for section in (first, second):
        sections.section_join(section_id=section.pk, user=me)
        sections.section_join(section_id=section.pk, user=other)
    topic = discussions.topic_create(
        section_id=first.pk, author=other, kind="question", title="保育所の入所調整", body="質問"
    ).topic

    # 1. The bell shows the new topic (新しい話題のみ): one unread.
    sign_in(page, me)
    page.goto(page.base_url + reverse("home"))
    bell = page.locator("[data-bell]")
    assert bell.locator("[data-bell-count]").get_attribute("data-bell-count") == "1"

    # 2. A reply mentions me: the count rises.
    reply = discussions.reply_create(
        topic_id=topic.pk, author=other, body="@[通知 花子] さんの市ではどうですか？"
    ).post
    page.reload()
    assert bell.locator("[data-bell-count]").get_attribute("data-bell-count") == "2"

    # 3. The inbox groups the topic; opening it lands on the thread, the bell clears.
    bell.click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    entry = page.locator("[data-inbox] li.nt-item").first
    assert "保育所の入所調整" in entry.inner_text() and "メンション" in entry.inner_text()
    entry.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/topics/{topic.pk}/"))
    assert page.locator(f"#post-{reply.number}").is_visible()
    assert page.locator("[data-bell-count]").count() == 0

    # 4. The section page: ミュート.
    page.goto(page.base_url + reverse("sections:detail", args=[first.slug]))
    form = page.locator(f'[data-watch="section:{first.pk}"]')
    form.locator("input[value=mute]").check()
    form.get_by_role("button", name="変更する").click()
    page.locator('[data-watch-level="mute"]').wait_for()
    assert level_of(user=me, channel=f"section:{first.pk}") == "mute"

    # 5. A digest of the other section arrives as a real mail file; its link unsubscribes.
    discussions.topic_create(
        section_id=second.pk, author=other, kind="share", title="防災訓練の案内", body="共有"
    )
    run = notifications.digests_send(now=timezone.now())
    assert run.sent >= 1
    row = OutgoingMail.objects.get(template="notifications_digest", to_email=me.email)
    mail_deliver(mail_id=row.pk)
    files = list((tmp_path / "mail").glob("*"))
    text = "\n".join(f.read_text() for f in files)
    import email
    from email import policy

    parsed = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    mine = [m for m in parsed if m["To"] == me.email]
    assert mine and mine[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mine[0].get_content_type() == "text/plain"  # a complete text/plain mail
    body = mine[0].get_content()
    assert "防災訓練の案内" in body and "保育所" not in body  # the muted section is left out
    link = re.search(r"(http\S+/notifications/unsubscribe/\S+/)", body).group(1)
    assert link in text
    page.context.clear_cookies()  # no login
    page.goto(link)
    page.get_by_role("button", name="配信を停止する").click()
    page.locator("[data-unsubscribe-done]").wait_for()
    assert Preference.objects.get(user=me).digest == "off"
    assert page.console_errors == []
