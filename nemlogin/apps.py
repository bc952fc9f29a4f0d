from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NemLoginConfig(AppConfig):
    name = "nemlogin"
    verbose_name = _("NemLog-in")

    def ready(self) -> None:
        # Password logins and refusals are recorded beside NemLog-in's.
        from . import signals

        signals.connect()
