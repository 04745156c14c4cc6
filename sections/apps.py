from django.apps import AppConfig


class SectionsConfig(AppConfig):
    name = "sections"
    verbose_name = "部・課"

    def ready(self) -> None:
        from events.registry import register_owner

        from .owner import SectionMeetingOwner

        register_owner(SectionMeetingOwner())
