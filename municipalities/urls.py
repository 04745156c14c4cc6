from django.urls import path

from . import views

# Public (see core.access): everything under /coverage/.
urlpatterns = [
    path("coverage/", views.coverage_page, name="coverage"),
    path("coverage/embed/", views.coverage_embed, name="coverage_embed"),
    path("coverage/data.json", views.coverage_json, name="coverage_json"),
    path("coverage/data.csv", views.coverage_csv, name="coverage_csv"),
]
