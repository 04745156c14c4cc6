from django.apps import AppConfig


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = "庁内研修"
