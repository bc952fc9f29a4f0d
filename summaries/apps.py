from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = _("Interdependency summaries")

    def ready(self) -> None:
        # Changes to portfolio data schedule a summaries recompute after they commit.
        from common import pagecache

        from . import freshness, signals

        signals.connect()
        # The version the pages' cached fragments are keyed by, for apps below this one (initiatives).
        pagecache.register_version(freshness.portfolio_version)
