from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "イベント・参加登録"

    def ready(self) -> None:
        from .registry import register_feed_provider
        from .views import registrations_feed_provider

        register_feed_provider("events", registrations_feed_provider)
