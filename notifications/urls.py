from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/open/", views.open_notification, name="open"),
    path("read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("watch/", views.watch, name="watch"),
    path("settings/", views.settings_page, name="settings"),
    path("announcements/<int:announcement_id>/", views.announcement, name="announcement"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
