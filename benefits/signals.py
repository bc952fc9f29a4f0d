"""Completing an initiative schedules its benefits follow-up, once the change has committed. The
signal only schedules; benefits.services.follow_up_schedule_if_completed_now decides."""

from django.db import transaction
from django.db.models.signals import post_save

from initiatives.models import Initiative, Status

from .services import follow_up_schedule_if_completed_now


def initiative_saved(sender, instance: Initiative, raw: bool = False, **kwargs) -> None:
    if raw or instance.status != Status.COMPLETED:
        return
    initiative_id = instance.pk
    transaction.on_commit(lambda: _schedule(initiative_id))


def _schedule(initiative_id: int) -> None:
    initiative = Initiative.objects.filter(pk=initiative_id).first()
    if initiative is not None:
        follow_up_schedule_if_completed_now(initiative=initiative)


def connect() -> None:
    post_save.connect(initiative_saved, sender=Initiative, dispatch_uid="benefits-follow-up-on-completion")
