from django.urls import path

from . import views

app_name = "broadcasts"

urlpatterns = [
    path("", views.tonight, name="tonight"),
    path("schedule/", views.schedule, name="schedule"),
    path("archive/", views.archive, name="archive"),
    path("episodes/<int:pk>/", views.episode, name="episode"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<slug:slug>/", views.programme, name="programme"),
    path("programmes/<slug:slug>/follow/", views.follow, name="follow"),
    path("programmes/<slug:slug>/unfollow/", views.unfollow, name="unfollow"),
]
