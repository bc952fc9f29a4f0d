from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "risks"
    verbose_name = _("Risk register")

    def ready(self) -> None:
        # A step of a dependency agreement re-assesses the risks linked to it, after it commits.
        from . import signals

        signals.connect()
