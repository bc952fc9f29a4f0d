"""An initiative saved with another overall health light than it was loaded with is announced."""

from django.db.models.signals import post_save

from common.events import Change

from .events import health_changes_announce
from .models import Initiative


def initiative_saved(sender, instance: Initiative, created: bool, raw: bool = False, **kwargs) -> None:
    # However the light changed (a service, the admin, an import, a revert), the save says so; the
    # stored light counts as the new one afterwards, so a second save of the same object is silent.
    if raw:
        return
    change = instance.health_change_on_save(created=created)
    if change is not None:
        health_changes_announce([Change(instance.pk, *change)])


def connect() -> None:
    post_save.connect(initiative_saved, sender=Initiative, dispatch_uid="initiatives-health-changed")
