from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = _("Summary emails")

    def ready(self) -> None:
        # A coordinator assigned anywhere is subscribed to the digest emails on commit.
        from . import signals

        signals.connect()
