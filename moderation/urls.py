from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("conduct/", views.conduct, name="conduct"),
    path("conduct/accept/", views.conduct_accept, name="conduct_accept"),
    path("moderation/report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("moderation/me/", views.mine, name="mine"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/cases/<int:case_id>/", views.case_detail, name="case"),
    path("moderation/cases/<int:case_id>/decide/", views.case_decide, name="decide"),
    path("moderation/members/<int:user_id>/penalty/", views.penalty_new, name="penalty_new"),
    path("moderation/penalties/<int:penalty_id>/lift/", views.penalty_lift, name="penalty_lift"),
]
