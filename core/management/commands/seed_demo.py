"""Load the local governments and demo content. Safe to run any number of times."""

from importlib import import_module

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Each app that has demo content provides `<app>/demo.py` with `seed(stdout) -> None`.
DEMO_APPS = ["accounts", "sections", "broadcasts", "trainings"]


class Command(BaseCommand):
    help = "地方公共団体の一覧とデモデータを読み込みます（何度実行しても同じ結果になります）。"

    def handle(self, *args, **options):
        call_command("load_local_governments", stdout=self.stdout)
        for app in DEMO_APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("デモデータの準備ができました。"))
