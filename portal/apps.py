from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The thin top app: the landing page, the member home, the navigation and demo
    seeding, composed from what the feature apps register in `core.plugins`."""

    name = "portal"
    verbose_name = "ポータル"
