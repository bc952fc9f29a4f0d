from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # The portfolio's announced changes are recorded in the outbox, in their own transaction.
        from . import signals

        signals.connect()
