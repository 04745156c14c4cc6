"""Load the local governments and demo content. Safe to run any number of times."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from core import plugins


class Command(BaseCommand):
    help = "地方公共団体の一覧とデモデータを読み込みます（何度実行しても同じ結果になります）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--migrate", action="store_true", help="先に migrate を実行します（make run 用）。"
        )

    def handle(self, *args, **options):
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=0, stdout=self.stdout)
        call_command("load_local_governments", stdout=self.stdout)
        for seeder in plugins.demo_seeders():
            seeder.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("デモデータの準備ができました。"))
