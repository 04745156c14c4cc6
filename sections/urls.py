from django.urls import path

from . import series_views, views

app_name = "sections"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/request/", views.join_request, name="request"),
    path("<slug:slug>/request/withdraw/", views.join_request_withdraw, name="request_withdraw"),
    path("<slug:slug>/requests/<int:request_id>/", views.request_decide, name="request_decide"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path("<slug:slug>/members/<int:user_id>/role/", views.member_role, name="member_role"),
    path(
        "<slug:slug>/members/<int:user_id>/handover/",
        views.member_handover,
        name="member_handover",
    ),
    path("<slug:slug>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("<slug:slug>/meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("<slug:slug>/meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path(
        "<slug:slug>/meetings/<int:meeting_id>/cancel/",
        views.meeting_cancel,
        name="meeting_cancel",
    ),
    # Meeting series (定例の情報交換会).
    path("<slug:slug>/series/new/", series_views.series_create, name="series_create"),
    path("<slug:slug>/series/<int:series_id>/", series_views.series_detail, name="series"),
    path("<slug:slug>/series/<int:series_id>/edit/", series_views.series_edit, name="series_edit"),
    path("<slug:slug>/series/<int:series_id>/end/", series_views.series_end, name="series_end"),
    path("<slug:slug>/series/<int:series_id>/join/", series_views.series_join, name="series_join"),
    path(
        "<slug:slug>/series/<int:series_id>/leave/", series_views.series_leave, name="series_leave"
    ),
    path(
        "<slug:slug>/series/<int:series_id>/series.ics",
        series_views.series_ics_download,
        name="series_ics",
    ),
]

# The series calendar for subscriptions: public route under calendar/, authorised by the
# member's private feed token (calendar apps have no session). Included from config/urls.
calendar_patterns = [
    path(
        "calendar/<str:token>/series/<int:series_id>.ics",
        series_views.series_feed,
        name="series_feed",
    ),
]
