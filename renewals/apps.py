from django.apps import AppConfig
from django.conf import settings


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = "年度更新"

    def ready(self) -> None:
        from core import plugins
        from municipalities.coverage import basis_register

        from . import demo, selectors, services

        plugins.register_write_guard(plugins.WriteGuard("renewals", selectors.write_refusal))
        plugins.register_home_panel(
            plugins.HomePanel("renewals", "renewals/_home_panel.html", home_context, order=1)
        )
        plugins.register_profile_fact(
            plugins.ProfileFact("renewals", "年度更新", selectors.profile_lines, order=5)
        )
        plugins.register_overdue_review(
            plugins.OverdueReview(
                "renewals",
                f"事務局の確認が {settings.VETTING_OVERDUE_HOURS} 時間を超えた所属団体の変更"
                "（年度更新）",
                selectors.overdue_review_lines,
                url="/admin/renewals/cycle/",
                order=30,
            )
        )
        plugins.register_demo(plugins.DemoSeeder("renewals", demo.seed, order=90))
        plugins.register_personal_data(
            plugins.PersonalData(
                "renewals",
                services.personal_data_erase,
                fields=[
                    (
                        "renewals.BodyChange",
                        (
                            "local_government",
                            "ministry",
                            "other_body",
                            "department",
                            "position",
                            "job_type",
                            "work_email",
                            "token",
                        ),
                    ),
                ],
            )
        )
        basis_register(selectors.coverage_basis)


def home_context(request) -> dict:
    from . import selectors, views

    user = request.user
    if user.status == user.Status.APPROVED and not selectors.live_cycle_exists():
        return {"renewal_home": None}  # no cycle running: no renewal query on the home
    renewal = selectors.current_renewal(user)
    if not selectors.awaiting(renewal):
        return {"renewal_home": None}
    return {"renewal_home": renewal, **views.forms_context(request.user)}
