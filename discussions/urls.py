"""Two URL trees: a section's discussions under /sections/<slug>/ (member only) and the
参考Q&A under /qa/ (the list and an entry are public for published entries)."""

from django.urls import include, path

from . import views

app_name = "discussions"

section_patterns = [
    path("<slug:slug>/topics/", views.topic_list, name="topics"),
    path("<slug:slug>/topics/new/", views.topic_new, name="topic_new"),
    path("<slug:slug>/topics/<int:topic_id>/", views.topic_detail, name="topic"),
    path("<slug:slug>/topics/<int:topic_id>/reply/", views.reply, name="reply"),
    path("<slug:slug>/topics/<int:topic_id>/edit/", views.topic_edit, name="topic_edit"),
    path("<slug:slug>/topics/<int:topic_id>/delete/", views.topic_delete, name="topic_delete"),
    path("<slug:slug>/topics/<int:topic_id>/lock/", views.topic_lock, name="topic_lock"),
    path(
        "<slug:slug>/topics/<int:topic_id>/answer/clear/",
        views.answer_unmark,
        name="answer_unmark",
    ),
    path(
        "<slug:slug>/topics/<int:topic_id>/posts/<int:post_id>/edit/",
        views.post_edit,
        name="post_edit",
    ),
    path(
        "<slug:slug>/topics/<int:topic_id>/posts/<int:post_id>/delete/",
        views.post_delete,
        name="post_delete",
    ),
    path(
        "<slug:slug>/topics/<int:topic_id>/posts/<int:post_id>/answer/",
        views.answer_mark,
        name="answer_mark",
    ),
    path(
        "<slug:slug>/topics/<int:topic_id>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("<slug:slug>/topics/<int:topic_id>/qa/new/", views.topic_to_entry, name="topic_to_entry"),
    path("<slug:slug>/reading/", views.section_reading, name="reading"),
    path("<slug:slug>/qa/", views.section_qa, name="section_qa"),
    path("<slug:slug>/meetings/<int:meeting_id>/notes/", views.meeting_notes, name="meeting_notes"),
    path(
        "<slug:slug>/meetings/<int:meeting_id>/scribe/", views.meeting_scribe, name="meeting_scribe"
    ),
    path(
        "<slug:slug>/meetings/<int:meeting_id>/qa/new/",
        views.meeting_to_entry,
        name="meeting_to_entry",
    ),
]

qa_patterns = [
    path("", views.qa_list, name="qa"),
    path("<int:entry_id>/", views.qa_entry, name="qa_entry"),
    path("<int:entry_id>/edit/", views.qa_edit, name="qa_edit"),
    path("<int:entry_id>/publish/", views.qa_publish, name="qa_publish"),
    path("<int:entry_id>/unpublish/", views.qa_unpublish, name="qa_unpublish"),
]

urlpatterns = [
    path("sections/", include(section_patterns)),
    path("qa/", include(qa_patterns)),
]
