from django.urls import path

from . import views

app_name = "renewals"

urlpatterns = [
    path("renewal/", views.form, name="form"),
    path("renewal/confirm/", views.confirm, name="confirm"),
    path("renewal/verify/<str:token>/", views.verify, name="verify"),
]
