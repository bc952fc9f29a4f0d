from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = _("Interdependency summaries")

    def ready(self) -> None:
        # Changes to portfolio data schedule a summaries recompute after they commit.
        from . import signals

        signals.connect()
