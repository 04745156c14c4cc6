from django.urls import path

from . import views

urlpatterns = [
    path("application/status/", views.application_status, name="application_status"),
]
