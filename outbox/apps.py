from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "送信メール"

    def ready(self) -> None:
        from core import plugins

        from .services import personal_data_erase

        plugins.register_personal_data(
            plugins.PersonalData(
                app="outbox",
                erase=personal_data_erase,
                fields=[
                    (
                        "outbox.OutgoingMail",
                        ("to_email", "context", "subject", "body", "headers"),
                    )
                ],
                # After the apps whose erasers may still queue or cancel mail, before
                # accounts (1000), which blanks the name this eraser looks for.
                order=900,
            )
        )
