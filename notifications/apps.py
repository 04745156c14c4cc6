from django.apps import AppConfig

# Every field of notifications that can hold a person's data (erased on 退庁 by
# services.personal_data_erase: the member's rows are deleted).
PERSONAL_FIELDS = (("notifications.Notification", ("text", "url")),)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from core import plugins

        from . import demo, registry, selectors, services

        plugins.register_user_annotation(
            plugins.UserAnnotation(selectors.UNREAD, selectors.unread_expression)
        )

        # Kinds that carry their own text and link (no feature object to ask).
        registry.register_kind(
            registry.Kind("announcement", "事務局からのお知らせ", many="{n}件のお知らせ", icon="📢")
        )
        registry.register_kind(
            registry.Kind(
                "moderation_decision", "通報・投稿への対応", many="{n}件の対応のお知らせ", icon="🛡"
            )
        )
        plugins.register_personal_data(
            plugins.PersonalData(
                "notifications", services.personal_data_erase, fields=PERSONAL_FIELDS, order=60
            )
        )
        plugins.register_demo(plugins.DemoSeeder("notifications", demo.seed, order=60))
