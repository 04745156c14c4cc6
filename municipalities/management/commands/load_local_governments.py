from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from municipalities.codes import DEFAULT_CSV, CodeListError, parse_csv
from municipalities.services import local_governments_load


class Command(BaseCommand):
    help = "地方公共団体の一覧（CSV）を読み込みます。何度実行しても結果は同じです。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=DEFAULT_CSV,
            help="CSV (code, prefecture_code, prefecture, name, name_kana, kind, lat, lng"
            "[, replaces])",
        )

    def handle(self, *args, file: Path, **options):
        try:
            rows = parse_csv(file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(f"ファイルが見つかりません: {file}") from exc
        except (CodeListError, UnicodeDecodeError) as exc:
            raise CommandError(f"読み込めませんでした（何も変更していません）: {exc}") from exc
        result = local_governments_load(rows=rows)
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} 団体を確認しました: {result}"))
