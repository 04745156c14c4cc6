"""Rebuild the search index from every registered kind (idempotent)."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from search import index, registry


class Command(BaseCommand):
    help = "検索索引を作り直します（何度実行しても同じ結果になります）。"

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", help="この種類だけ（複数可）")
        parser.add_argument("--no-progress", action="store_true", help="進捗バーを出さない")

    def handle(self, *args, **options):
        names = [k.name for k in registry.kinds()]
        wanted = options["kind"] or names
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise CommandError(f"知らない種類です: {', '.join(unknown)}（{', '.join(names)}）")
        show = not options["no_progress"]
        started = time.monotonic()
        total = index.Counts()
        for name in wanted:
            label = registry.kind(name).label
            counts = index.rebuild(name, progress=self._bar(label) if show else None)
            if show:
                sys.stderr.write("\n")
            total.add(counts)
            self.stdout.write(
                f"{label}（{name}）: 追加 {counts.created:,} 更新 {counts.updated:,} "
                f"変更なし {counts.unchanged:,} 削除 {counts.removed:,}"
            )
        if not options["kind"]:
            total.removed += index.forget_unknown_kinds()
        self.stdout.write(
            self.style.SUCCESS(
                f"完了（{time.monotonic() - started:.1f}秒）: 追加 {total.created:,} "
                f"更新 {total.updated:,} 変更なし {total.unchanged:,} 削除 {total.removed:,}"
            )
        )

    def _bar(self, label: str):
        def progress(done: int, total: int) -> None:
            width = 30
            filled = width if not total else width * done // total
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r{label:<8} [{bar}] {done:,}/{total:,}")
            sys.stderr.flush()

        return progress
