from django.apps import AppConfig

# Every field of discussions that can hold a person's data (erased or scrubbed on 退庁 by
# services.personal_data_erase).
PERSONAL_FIELDS = (
    ("discussions.Topic", ("title",)),
    ("discussions.Post", ("body", "body_html")),
    ("discussions.PostRevision", ("title", "body")),
    ("discussions.Attachment", ("original_name", "file")),
    ("discussions.Mention", ("written",)),
    ("discussions.Entry", ("title", "question", "question_html", "answer", "answer_html")),
    ("discussions.Tag", ("name",)),
)


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "話題・参考Q&A"

    def ready(self) -> None:
        from core import plugins
        from sections import registry

        from . import demo, notifying, panels, search_docs, selectors, services

        notifying.register()

        search_docs.register()
        plugins.register_nav(plugins.NavItem("discussions:qa", "参考Q&A", order=15))
        plugins.register_home_panel(
            plugins.HomePanel(
                "discussions_recent", "discussions/_home_recent.html", panels.home_recent, order=12
            )
        )
        plugins.register_home_panel(
            plugins.HomePanel(
                "discussions_unanswered",
                "discussions/_home_unanswered.html",
                panels.home_unanswered,
                order=13,
            )
        )
        plugins.register_demo(plugins.DemoSeeder("discussions", demo.seed, order=50))
        plugins.register_personal_data(
            plugins.PersonalData(
                "discussions", services.personal_data_erase, fields=PERSONAL_FIELDS, order=50
            )
        )
        registry.register_tab(registry.SectionTab("topics", "話題", "discussions:topics", order=20))
        registry.register_tab(
            registry.SectionTab("qa", "参考Q&A", "discussions:section_qa", order=30)
        )
        registry.register_panel(
            registry.SectionPanel(
                "discussions", "discussions/_section_panel.html", panels.section_overview, order=20
            )
        )
        registry.register_panel(
            registry.SectionPanel(
                "notifications", "notifications/_section_watch.html", panels.section_watch, order=25
            )
        )
        # The panels read the section's setting (reading, open posting): with the section.
        registry.register_section_related("discussion_setting")
        registry.register_stat(
            registry.DirectoryStat("topics_30d", "30日間の話題", selectors.recent_topic_counts)
        )
        registry.register_meeting_links(registry.MeetingLinks("notes", selectors.meeting_links))
        registry.register_meeting_panel(
            registry.MeetingPanel("notes", "discussions/_meeting_panel.html", panels.meeting_panel)
        )
