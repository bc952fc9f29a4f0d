from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "risks"
    verbose_name = _("Risk register")

    def ready(self) -> None:
        # A step of a dependency agreement re-assesses the risks linked to it, after it commits.
        from initiatives.selectors import page_section_register

        from . import selectors, signals

        signals.connect()
        # The initiative page links to its risks with their count; the initiatives app knows no risks.
        page_section_register(selectors.initiative_risks_section, per_user=True)
