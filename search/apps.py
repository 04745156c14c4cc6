from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "検索"

    def ready(self) -> None:
        from core import plugins

        from . import index

        # After every feature app's eraser (they scrub their sources first).
        plugins.register_personal_data(
            plugins.PersonalData(
                "search",
                index.personal_data_erase,
                fields=[("search.Document", ("title", "body", "tokens"))],
                order=900,
            )
        )
        # Demo content: after every other seeder, index what they made (some write their
        # rows directly, as the admin would).
        plugins.register_demo(plugins.DemoSeeder("search", index.demo_seed, order=900))
