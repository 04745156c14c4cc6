"""Demo accounts for `make run`: a staff user, a few hundred members across many local
governments, and applications in every state. Idempotent (keyed by e-mail)."""

from __future__ import annotations

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from municipalities.models import LocalGovernment

from .choices import JOB_TYPES, MINISTRIES
from .models import AffiliationRecord, AffiliationType, StatusChange, TrustedDomain, User

STAFF_EMAIL = "staff@yokoito.example"
STAFF_PASSWORD = "yokoito-staff-2026"
MEMBER_PASSWORD = "yokoito-member-2026"
MEMBER_COUNT = 300

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林",
          "加藤", "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤",
          "清水"]  # fmt: skip
FAMILY_KANA = ["サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト",
               "ナカムラ", "コバヤシ", "カトウ", "ヨシダ", "ヤマダ", "ササキ", "ヤマグチ",
               "マツモト", "イノウエ", "キムラ", "ハヤシ", "サイトウ", "シミズ"]  # fmt: skip
GIVEN = [("翔太", "ショウタ"), ("美咲", "ミサキ"), ("大輔", "ダイスケ"), ("彩", "アヤ"),
         ("健", "ケン"), ("陽子", "ヨウコ"), ("拓海", "タクミ"), ("真由", "マユ"),
         ("和也", "カズヤ"), ("恵", "メグミ")]  # fmt: skip
DEPARTMENTS = ["総務部 総務課", "企画部 政策企画課", "市民部 市民課", "福祉部 高齢福祉課",
               "健康部 保健センター", "建設部 道路課", "教育委員会 学校教育課",
               "消防本部 警防課", "財政部 税務課", "産業部 観光課"]  # fmt: skip
STATE_SAMPLES = [
    (User.Status.UNVERIFIED, "unverified"),
    (User.Status.DRAFT, "draft"),
    (User.Status.SUBMITTED, "submitted"),
    (User.Status.NEEDS_INFO, "needs-info"),
    (User.Status.REJECTED, "rejected"),
    (User.Status.SUSPENDED, "suspended"),
]


def _person(rng: random.Random, i: int) -> dict:
    f = rng.randrange(len(FAMILY))
    g, gk = GIVEN[rng.randrange(len(GIVEN))]
    return {
        "full_name": f"{FAMILY[f]} {g}",
        "full_name_kana": f"{FAMILY_KANA[f]} {gk}",
        "department": rng.choice(DEPARTMENTS),
        "job_type": rng.choice(JOB_TYPES)[0],
        "introduction": "横糸で全国の仲間と学び合いたいです。よろしくお願いします。",
    }


@transaction.atomic
def seed(stdout) -> None:
    rng = random.Random(20261121)
    now = timezone.now()
    staff, created = User.objects.get_or_create(
        email=STAFF_EMAIL,
        defaults={
            "is_staff": True,
            "is_superuser": True,
            "status": User.Status.APPROVED,
            "full_name": "事務局 管理者",
            "full_name_kana": "ジムキョク カンリシャ",
            "affiliation_type": AffiliationType.OTHER,
            "other_body": "横糸 事務局",
            "department": "事務局",
            "approved_at": now,
        },
    )
    if created:
        staff.set_password(STAFF_PASSWORD)
        staff.save()
    EmailAddress.objects.get_or_create(
        user=staff, email=staff.email, defaults={"verified": True, "primary": True}
    )
    for domain in ("lg.jp", "go.jp"):
        TrustedDomain.objects.get_or_create(domain=domain, defaults={"note": "公的機関ドメイン"})

    # One PBKDF2 hash (~0.2 s) shared by every demo account that is created now, instead
    # of one per account: the demo accounts all have the same published password anyway.
    member_hash = ""

    def demo_password() -> str:
        nonlocal member_hash
        member_hash = member_hash or make_password(MEMBER_PASSWORD)
        return member_hash

    lgs = list(LocalGovernment.objects.filter(is_defunct=False).order_by("code"))
    existing = set(User.objects.filter(email__startswith="member").values_list("email", flat=True))
    new_users = []
    for i in range(MEMBER_COUNT):
        email = f"member{i:03d}@demo.lg.jp"
        if email in existing:
            continue
        user = User(
            email=email,
            status=User.Status.APPROVED,
            affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
            local_government=rng.choice(lgs),
            submitted_at=now - timedelta(days=30),
            approved_at=now - timedelta(days=29),
            rules_agreed_at=now - timedelta(days=30),
            **_person(rng, i),
        )
        if i % 15 == 0:
            user.affiliation_type = AffiliationType.MINISTRY
            user.local_government = None
            user.ministry = rng.choice(MINISTRIES)
        user.password = demo_password()
        new_users.append(user)
    User.objects.bulk_create(new_users)
    created_members = User.objects.filter(email__in=[u.email for u in new_users])
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created_members]
    )
    AffiliationRecord.objects.bulk_create(
        [
            AffiliationRecord(
                user=u,
                affiliation_type=u.affiliation_type,
                local_government_id=u.local_government_id,
                ministry=u.ministry,
                department=u.department,
                started_on=(now - timedelta(days=29)).date(),
                verified_at=u.approved_at,
                verified_by=staff,
            )
            for u in created_members
        ]
    )

    for n, (status, slug) in enumerate(STATE_SAMPLES):
        email = f"applicant-{slug}@demo.lg.jp"
        if User.objects.filter(email=email).exists():
            continue
        data = _person(rng, n)
        user = User(
            email=email,
            status=status,
            affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
            local_government=rng.choice(lgs),
            submitted_at=now - timedelta(hours=60 - n * 10),
            **data,
        )
        if status == User.Status.NEEDS_INFO:
            user.status_message = "所属部署の名称を正式名称で記入してください。"
        if status == User.Status.REJECTED:
            user.status_message = "現役の公務員であることを確認できませんでした"
        if status == User.Status.SUSPENDED:
            user.status_message = "アカウントの安全確認のため"
        user.password = demo_password()
        user.save()
        EmailAddress.objects.create(
            user=user, email=email, verified=status != User.Status.UNVERIFIED, primary=True
        )
        if status not in (User.Status.UNVERIFIED, User.Status.DRAFT):
            StatusChange.objects.create(
                user=user, actor=user, from_status=User.Status.DRAFT,
                to_status=User.Status.SUBMITTED, created_at=user.submitted_at or now,
            )  # fmt: skip
    stdout.write(
        f"事務局ユーザー: {STAFF_EMAIL} / パスワード: {STAFF_PASSWORD}\n"
        f"デモ会員: member000@demo.lg.jp 〜 member{MEMBER_COUNT - 1:03d}@demo.lg.jp"
        f" / パスワード: {MEMBER_PASSWORD}\n"
        f"各状態の申請者: applicant-<状態>@demo.lg.jp（{', '.join(s for _, s in STATE_SAMPLES)}）\n"
    )
