"""A coordinator assigned to an authority is subscribed to its digest emails on commit; a step of a
dependency agreement is emailed to the other side on commit."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from agreements.models import AgreementTransition
from authorities.models import Coordinator

from .subscriptions import subscription_ensure_default
from .tasks import send_agreement_notices


def coordinator_assigned(sender, instance: Coordinator, created: bool, **kwargs) -> None:
    # However a coordinator is assigned (the admin, an import, the invitation), they hear about
    # their authorities from the next morning on: subscribed once the assignment is committed.
    if created:
        transaction.on_commit(partial(subscription_ensure_default, instance.user))


def agreement_step_taken(sender, instance: AgreementTransition, created: bool, **kwargs) -> None:
    # Only once the step is committed: a refused or rolled-back step tells nobody anything.
    if created:
        transaction.on_commit(partial(send_agreement_notices.delay, instance.pk), robust=True)


def connect() -> None:
    post_save.connect(coordinator_assigned, sender=Coordinator, dispatch_uid="digests-coordinator-assigned")
    post_save.connect(agreement_step_taken, sender=AgreementTransition, dispatch_uid="digests-agreement-step")
