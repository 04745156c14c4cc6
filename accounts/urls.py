from django.urls import path

from . import views

urlpatterns = [
    path("application/", views.application_edit, name="application_edit"),
    path("application/status/", views.application_status, name="application_status"),
    path(
        "application/local-governments/",
        views.local_government_options,
        name="local_government_options",
    ),
    path("members/directory/", views.directory, name="directory"),
    path("members/<int:pk>/", views.profile, name="profile"),
    path("members/me/edit/", views.profile_edit, name="profile_edit"),
    path("members/me/withdraw/", views.withdraw, name="withdraw"),
]
