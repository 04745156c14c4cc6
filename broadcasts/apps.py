from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    name = "broadcasts"
    verbose_name = "庁内放送"

    def ready(self) -> None:
        # Followed episodes appear in the member's private calendar feed (events app).
        try:
            from events.registry import register_feed_provider
        except ImportError:  # events not installed: nothing to plug into
            return
        from .calendar import episodes_feed_provider

        register_feed_provider("broadcasts", episodes_feed_provider)
