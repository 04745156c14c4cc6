from django.urls import path

from . import views

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
]
