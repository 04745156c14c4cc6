from django.apps import AppConfig
from django.conf import settings


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "利用者・入庁審査"

    def ready(self) -> None:
        from core import plugins

        from . import demo, services

        plugins.register_nav(plugins.NavItem("directory", "名簿", order=40))
        plugins.register_nav(plugins.NavItem("profile_edit", "プロフィール", order=50))
        plugins.register_demo(plugins.DemoSeeder("accounts", demo.seed, order=10))
        plugins.register_overdue_review(
            plugins.OverdueReview(
                "accounts",
                f"審査待ちが {settings.VETTING_OVERDUE_HOURS} 時間を超えた入庁申請",
                services.overdue_application_lines,
                url="/admin/accounts/application/",
                order=10,
            )
        )
        plugins.register_personal_data(
            plugins.PersonalData(
                "accounts",
                services.personal_data_erase,
                fields=[
                    (
                        "accounts.User",
                        (
                            "email",
                            "full_name",
                            "full_name_kana",
                            "local_government",
                            "ministry",
                            "other_body",
                            "department",
                            "position",
                            "job_type",
                            "work_email",
                            "introduction",
                            "status_message",
                            "password",
                        ),
                    ),
                    (
                        "accounts.AffiliationRecord",
                        ("local_government", "ministry", "other_body", "department", "position"),
                    ),
                    ("accounts.StatusChange", ("message",)),
                    ("account.EmailAddress", ("email",)),
                    ("mfa.Authenticator", ("data",)),
                    ("admin.LogEntry", ("object_repr", "change_message")),
                ],
                # Last: the others may still read the member's row while they erase.
                order=1000,
            )
        )

        # Coverage (municipalities) counts the members through our selector; it never
        # imports accounts (accounts depends on municipalities, not the other way round).
        from municipalities.coverage import members_source_register

        from .selectors import members_per_local_government

        members_source_register(members_per_local_government)
