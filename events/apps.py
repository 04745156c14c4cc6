from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "イベント・参加登録"

    def ready(self) -> None:
        from core import plugins
        from notifications import registry as notification_registry

        from .registry import register_feed_provider
        from .selectors import FEED_PAST_DAYS, registrations_upcoming
        from .services import personal_data_erase, registrations_release_for_user
        from .views import registrations_feed_provider

        notification_registry.register_kind(
            notification_registry.Kind(
                "events.promoted", "キャンセル待ちからの参加確定", many="{n}件の参加確定", icon="📅"
            )
        )
        register_feed_provider(
            "events",
            registrations_feed_provider,
            describe=lambda: (
                "参加が確定した会（情報交換会・研修・説明会）。キャンセル待ちと不参加は載りません。"
                f"終わった会は{FEED_PAST_DAYS}日間残ります。"
            ),
            order=10,
        )
        plugins.register_access_hook(
            plugins.AccessHook("events", registrations_release_for_user, order=10)
        )
        plugins.register_personal_data(
            plugins.PersonalData(
                "events",
                personal_data_erase,
                fields=[("events.Registration", ("answers",)), ("events.CalendarFeed", ("token",))],
            )
        )
        plugins.register_home_panel(
            plugins.HomePanel(
                "events",
                "events/_home_upcoming.html",
                lambda request: {"my_upcoming": registrations_upcoming(user=request.user, limit=8)},
                order=20,
            )
        )
