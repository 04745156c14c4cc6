# ruff: noqa: E501  (the 行動規範 is prose: one line per sentence reads better)
"""Demo content for moderation: the 行動規範 (第1版), a reply with a resident's personal
data that two members reported (hidden at once, waiting in the queue), an open spam
report, a decided case, and a member under a 3-day 投稿停止. Idempotent (by the demo
topic's title). Written through the services."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from discussions import services as discussion_services
from discussions.models import Topic
from sections.models import Section, SectionMembership

from . import services
from .models import CodeOfConduct, Penalty

TITLE = "（デモ）窓口での高齢者の見守り、どこまで共有していますか"
CONDUCT_BODY = """\
横糸は、全国の公務員が立場を超えて学び合うための場です。気持ちよく使い続けられるよう、次のことを守ってください。

## 1. 住民の個人情報・業務上の秘密を書かない
- 住民の氏名、住所、年齢、家族構成など、個人が分かる情報は書かないでください。事例は必ず匿名化してください。
- 非公開の内部資料、決裁前の情報、入札や人事に関する情報は共有しないでください。

## 2. 相手を尊重する
- 所属や職種、経験年数で相手を見下す発言、ハラスメントにあたる発言はしないでください。
- 意見が違うときは、人ではなく考え方について話してください。

## 3. 宣伝・勧誘をしない
- 商品やサービスの宣伝、政治・宗教・営利目的の勧誘はしないでください。

## 4. 困ったときは報告する
- 気になる投稿やプロフィールは、各投稿の「報告」から事務局と課長に知らせてください。報告者の名前が投稿者に伝わることはありません。

違反があった場合、事務局は投稿の非表示・削除、投稿停止、利用停止を行うことがあります。処分には理由と期間をお知らせします。
"""


@transaction.atomic
def seed(stdout) -> None:
    if Topic.objects.filter(title=TITLE).exists():
        stdout.write("moderation: demo already there\n")
        return
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("id").first()
    if staff is None:
        return
    for slug in ("seikatsu-hogo-cw", "shimin", "corona"):
        section = Section.objects.filter(slug=slug).first()
        people = [
            m.user
            for m in SectionMembership.objects.filter(
                section=section, user__is_active=True, user__status=User.Status.APPROVED
            )
            .exclude(user__is_staff=True)
            .exclude(role__in=["head", "deputy"])
            .select_related("user")
            .order_by("id")[:6]
        ]
        if section is not None and len(people) == 6:
            break
    else:
        stdout.write("moderation: no section with enough members for the demo\n")
        return
    asker, leaker, spammer, r1, r2, r3 = people
    now = timezone.now()
    topic = discussion_services.topic_create(
        section_id=section.pk,
        author=asker,
        kind="question",
        title=TITLE,
        body="独居の高齢者の見守りで、福祉部門と窓口部門がどこまで情報を共有しているか教えてください。",
        now=now - timedelta(days=6),
    ).topic
    leak = discussion_services.reply_create(
        topic_id=topic.pk,
        author=leaker,
        body="うちでは〇〇町3丁目の山田ハナさん（84歳、長男と別居）の件で、民生委員さんと……",
        now=now - timedelta(days=6, hours=-1),
    ).post
    spam = discussion_services.reply_create(
        topic_id=topic.pk,
        author=spammer,
        body="見守りなら弊社の見守りセンサーが自治体向けに特別価格です。詳しくはお問い合わせください。",
        now=now - timedelta(days=2),
    ).post
    fine = discussion_services.reply_create(
        topic_id=topic.pk,
        author=r3,
        body="個人情報保護条例の「目的外利用」の整理をしてから、協定を結んで共有しています。",
        now=now - timedelta(days=5),
    ).post
    # Two 個人情報 reports hide the reply at once (6 days ago: overdue tomorrow).
    for reporter in (r1, r2):
        services.report_create(
            reporter=reporter,
            post_id=leak.pk,
            reason="personal",
            text="住民の氏名と住所が書かれています。",
            now=now - timedelta(days=6, hours=-2),
        )
    services.report_create(reporter=r1, post_id=spam.pk, reason="spam", now=now - timedelta(days=1))
    dismissed = services.report_create(
        reporter=spammer,
        post_id=fine.pk,
        reason="other",
        text="条例の解釈が違うと思います。",
        now=now - timedelta(days=4),
    ).case
    services.case_decide(
        case_id=dismissed.pk,
        actor=staff,
        decision="dismiss",
        note="意見の違いは報告の対象ではありません。返信で議論してください。",
        now=now - timedelta(days=3),
    )
    if not Penalty.objects.filter(user=spammer).exists():
        services.penalty_create(
            actor=staff,
            user_id=spammer.pk,
            kind="silence",
            reason="営利目的の宣伝（行動規範 3）",
            ends_at=now + timedelta(days=3),
        )
    if not CodeOfConduct.objects.exists():
        services.conduct_publish(
            title="横糸 行動規範", body=CONDUCT_BODY, now=now - timedelta(days=30)
        )
    stdout.write("moderation: 1 demo thread, 3 cases (1 hidden), 1 投稿停止, 行動規範 第1版\n")
