from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "benefits"
    verbose_name = _("Benefits")

    def ready(self) -> None:
        # Completing an initiative schedules its benefits follow-up, after the change commits.
        from . import signals

        signals.connect()
