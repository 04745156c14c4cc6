from django.apps import AppConfig


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = "庁内研修"

    def ready(self) -> None:
        from core import plugins
        from events.registry import register_owner

        from . import demo, search_docs
        from .owner import TrainingOwner
        from .selectors import trainings_open_for

        search_docs.register()

        register_owner(TrainingOwner())
        plugins.register_nav(plugins.NavItem("trainings:list", "庁内研修", order=30))
        plugins.register_home_panel(
            plugins.HomePanel(
                "trainings",
                "trainings/_home_open.html",
                lambda request: {"open_trainings": trainings_open_for(user=request.user, limit=3)},
                order=40,
            )
        )
        plugins.register_demo(plugins.DemoSeeder("trainings", demo.seed, order=40))
