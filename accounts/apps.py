from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "利用者・入庁審査"

    def ready(self) -> None:
        from core import plugins

        from . import demo

        plugins.register_nav(plugins.NavItem("directory", "名簿", order=40))
        plugins.register_nav(plugins.NavItem("profile_edit", "プロフィール", order=50))
        plugins.register_demo(plugins.DemoSeeder("accounts", demo.seed, order=10))
