"""An initiative created, reopened or moved into a covered strategy while a cycle is open owes that
cycle a report too, once the change has committed. The signal only schedules;
reporting.services.reports_owed_for_initiative decides (and freezing applies the same rule to the
whole cycle, should a scheduled call be lost)."""

from django.db import transaction
from django.db.models.signals import post_save

from initiatives.models import OPEN_STATUSES, Initiative

from .services import reports_owed_for_initiative


def initiative_saved(sender, instance: Initiative, raw: bool = False, **kwargs) -> None:
    if raw or instance.strategy_id is None or instance.status not in OPEN_STATUSES:
        return
    initiative_id = instance.pk
    # Robust: a failure here is logged and never undoes or fails the initiative's own save.
    transaction.on_commit(lambda: reports_owed_for_initiative(initiative_id=initiative_id), robust=True)


def connect() -> None:
    post_save.connect(initiative_saved, sender=Initiative, dispatch_uid="reporting-reports-owed-on-save")
