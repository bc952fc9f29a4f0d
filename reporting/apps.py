from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting cycles")

    def ready(self) -> None:
        # An initiative that comes into an open cycle's scope owes a report, after the change commits.
        from . import signals

        signals.connect()
