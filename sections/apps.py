from django.apps import AppConfig


class SectionsConfig(AppConfig):
    name = "sections"
    verbose_name = "部・課"

    def ready(self) -> None:
        from core import plugins
        from events.registry import register_owner
        from notifications import registry as notification_registry

        from . import demo, search_docs, services
        from .owner import SectionMeetingOwner
        from .selectors import (
            members_filter_by_section,
            my_sections,
            section_names_of,
        )

        register_owner(SectionMeetingOwner())
        search_docs.register()
        notification_registry.register_kind(
            notification_registry.Kind(
                services.JOIN_DECIDED,
                "課への参加申請の結果",
                many="{n}件の参加申請の結果",
                icon="🏢",
            )
        )
        plugins.register_nav(plugins.NavItem("sections:directory", "部・課", order=10))
        plugins.register_home_panel(
            plugins.HomePanel(
                "sections",
                "sections/_home_my_sections.html",
                lambda request: {"my_sections": my_sections(user=request.user)},
                order=10,
            )
        )
        # A head's (and deputy's) join requests to decide, first on the home when any wait.
        plugins.register_home_panel(
            plugins.HomePanel(
                "sections_requests",
                "sections/_home_join_requests.html",
                _join_requests_panel,
                order=5,
            )
        )
        plugins.register_demo(plugins.DemoSeeder("sections", demo.seed, order=20))
        plugins.register_personal_data(
            plugins.PersonalData(
                "sections",
                services.personal_data_erase,
                fields=[("sections.JoinRequest", ("message", "response_message"))],
            )
        )
        plugins.register_member_filter(plugins.MemberFilter("section", members_filter_by_section))
        plugins.register_profile_fact(
            plugins.ProfileFact("sections", "参加している課", section_names_of, order=10)
        )


def _join_requests_panel(request) -> dict:
    from .selectors import sections_with_pending_requests

    sections = sections_with_pending_requests(user=request.user)
    return {
        "sections_to_decide": sections,
        "pending_requests_total": sum(section.pending_count for section in sections),  # type: ignore[attr-defined]  # annotated by the selector
    }
