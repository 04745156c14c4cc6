from django.apps import AppConfig


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = "庁内研修"

    def ready(self) -> None:
        from events.registry import register_owner

        from .owner import TrainingOwner

        register_owner(TrainingOwner())
