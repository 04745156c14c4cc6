from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    name = "broadcasts"
    verbose_name = "庁内放送"

    def ready(self) -> None:
        from core import plugins
        from events.registry import register_feed_provider

        from . import demo, search_docs, services
        from .calendar import episodes_feed_provider, feed_description

        search_docs.register()

        # Followed episodes appear in the member's private calendar feed (events app).
        register_feed_provider(
            "broadcasts", episodes_feed_provider, describe=feed_description, order=20
        )
        plugins.register_nav(plugins.NavItem("broadcasts:tonight", "庁内放送", order=20))
        # The panel's inclusion tag ({% tonight_panel %}) loads its own data.
        plugins.register_home_panel(
            plugins.HomePanel(
                "broadcasts", "broadcasts/_home_panel.html", lambda request: {}, order=30
            )
        )
        plugins.register_demo(plugins.DemoSeeder("broadcasts", demo.seed, order=30))
        plugins.register_personal_data(
            plugins.PersonalData("broadcasts", services.personal_data_erase, fields=[])
        )
