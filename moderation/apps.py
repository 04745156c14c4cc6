from django.apps import AppConfig

# Every field of moderation that can hold a person's data (services.personal_data_erase).
PERSONAL_FIELDS = (
    ("moderation.Report", ("text",)),
    ("moderation.Case", ("decision_note", "original_body")),
    ("moderation.Penalty", ("reason",)),
)


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "通報・審査"

    def ready(self) -> None:
        from django.urls import reverse

        from core import plugins

        from . import demo, panels, selectors, services

        plugins.register_write_guard(
            plugins.WriteGuard("moderation", selectors.silence_refusal, order=10)
        )
        plugins.register_user_annotation(
            plugins.UserAnnotation(selectors.SILENCE, selectors.silence_expression)
        )
        plugins.register_write_guard(
            plugins.WriteGuard(
                "moderation_conduct", selectors.conduct_refusal, order=90, posting_only=True
            )
        )
        plugins.register_overdue_review(
            plugins.OverdueReview(
                "moderation",
                "5日を過ぎた未判断の報告",
                selectors.overdue_lines,
                "/moderation/",
                order=20,
            )
        )

        def report_url(kind: str, pk: int) -> str:
            return reverse("moderation:report", args=[kind, pk])

        plugins.register_report_url(report_url)
        plugins.register_home_panel(
            plugins.HomePanel("moderation", "moderation/_home_panel.html", panels.home, order=5)
        )
        plugins.register_demo(plugins.DemoSeeder("moderation", demo.seed, order=60))
        plugins.register_personal_data(
            plugins.PersonalData(
                "moderation", services.personal_data_erase, fields=PERSONAL_FIELDS, order=60
            )
        )
