from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "利用者・入庁審査"

    def ready(self) -> None:
        # Coverage (municipalities) counts the members through our selector; it never
        # imports accounts (accounts depends on municipalities, not the other way round).
        from municipalities.coverage import members_source_register

        from .selectors import members_per_local_government

        members_source_register(members_per_local_government)
