from django.urls import path

from . import views

app_name = "trainings"

urlpatterns = [
    path("", views.training_list, name="list"),
    path("<int:pk>/", views.training_detail, name="detail"),
    path("<int:pk>/apply/", views.training_apply, name="apply"),
    path("<int:pk>/cancel/", views.training_cancel, name="cancel"),
    path("<int:pk>/materials/<int:material_id>/", views.material_download, name="material"),
]

# The weekly orientation (説明会) is open to applicants under review, so it lives outside
# /trainings/ (members only). Included at the root by config/urls.py, without a namespace.
orientation_patterns = [
    path("orientation/", views.orientation, name="orientation"),
    path("orientation/<int:pk>/apply/", views.orientation_apply, name="orientation_apply"),
    path("orientation/<int:pk>/cancel/", views.orientation_cancel, name="orientation_cancel"),
]
