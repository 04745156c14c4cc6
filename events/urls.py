from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("events/<int:event_id>/rsvp/", views.rsvp, name="rsvp"),
    path("events/<int:event_id>/event.ics", views.event_ics_download, name="ics"),
    path("events/go/<str:token>/", views.go, name="go"),
    path("events/calendar/", views.calendar, name="calendar"),
    path("events/calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    # The private feed: public route, authorised by the secret token (calendar apps have
    # no session).
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
