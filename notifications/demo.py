"""Demo content for notifications: a staff お知らせ in every inbox (once), so that `make run`
shows the bell; the discussions seeder's posts have already notified the watchers."""

from __future__ import annotations

from accounts.models import User

from . import services
from .models import Announcement

TITLE = "横糸の通知機能について"
BODY = (
    "課ごとに通知レベル（全件・新しい話題のみ・通常・ミュート）を選べるようになりました。\n\n"
    "参加した課は「新しい話題のみ」になっています。ヘッダーの「通知」から一覧を開き、"
    "「通知の設定」ですべての課をまとめて変更できます。毎週月曜の朝には、見ている課の"
    "動きをまとめたダイジェストをメールでお送りします。"
)


def seed(stdout) -> None:
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("id").first()
    if staff is None or Announcement.objects.filter(title=TITLE).exists():
        return
    services.announcement_publish(actor=staff, title=TITLE, body=BODY)
    stdout.write("notifications: お知らせを1件配信しました。\n")
