"""A step of a dependency agreement re-assesses the risks linked to it, once the step is committed."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from agreements.models import AgreementTransition

from .tasks import escalate_risks


def agreement_step_taken(sender, instance: AgreementTransition, created: bool, **kwargs) -> None:
    if created:
        transaction.on_commit(partial(escalate_risks.delay, [instance.agreement_id]), robust=True)


def connect() -> None:
    post_save.connect(agreement_step_taken, sender=AgreementTransition, dispatch_uid="risks-agreement-step")
