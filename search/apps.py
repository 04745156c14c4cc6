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
