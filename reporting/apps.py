from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting cycles")

    def ready(self) -> None:
        # An initiative that comes into an open cycle's scope owes a report, after the change commits.
        from initiatives.selectors import page_section_register

        from . import selectors, signals

        signals.connect()
        # The initiative page shows its lights per cycle; the initiatives app knows no reporting.
        page_section_register(selectors.initiative_trend_section)
