"""A coordinator assigned to an authority is subscribed to its digest emails on commit."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from authorities.models import Coordinator

from .subscriptions import subscription_ensure_default


def coordinator_assigned(sender, instance: Coordinator, created: bool, **kwargs) -> None:
    # However a coordinator is assigned (the admin, an import, the invitation), they hear about
    # their authorities from the next morning on: subscribed once the assignment is committed.
    if created:
        transaction.on_commit(partial(subscription_ensure_default, instance.user))


def connect() -> None:
    post_save.connect(coordinator_assigned, sender=Coordinator, dispatch_uid="digests-coordinator-assigned")
