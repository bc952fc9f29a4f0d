"""Every change to portfolio data marks the summaries dirty and schedules a recompute on commit.

The handlers only record and schedule; what a recompute does is decided in portfolio.services.
Writes that send no signals (`QuerySet.update()`, `bulk_create`) call `services.mark_dirty()`.
A coordinator assigned to an authority is subscribed to its summary emails on commit.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from authorities.models import Authority, Coordinator
from initiatives.models import Dependency, Initiative, Milestone, Participation

from . import services

WATCHED_MODELS = (Initiative, Participation, Dependency, Milestone, Authority)


def portfolio_data_changed(sender, **kwargs) -> None:
    services.mark_dirty()


def portfolio_relation_changed(sender, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        services.mark_dirty()


def coordinator_assigned(sender, instance: Coordinator, created: bool, **kwargs) -> None:
    # However a coordinator is assigned (the admin, an import, the invitation), they hear about
    # their authorities from the next morning on: subscribed once the assignment is committed.
    if created:
        from . import notifications

        transaction.on_commit(partial(notifications.subscription_ensure_default, instance.user))


def connect() -> None:
    post_save.connect(coordinator_assigned, sender=Coordinator, dispatch_uid="summaries-coordinator-assigned")
    for model in WATCHED_MODELS:
        label = model._meta.label_lower
        post_save.connect(portfolio_data_changed, sender=model, dispatch_uid=f"summaries-save-{label}")
        post_delete.connect(portfolio_data_changed, sender=model, dispatch_uid=f"summaries-delete-{label}")
        for m2m in model._meta.many_to_many:
            m2m_changed.connect(
                portfolio_relation_changed, sender=m2m.remote_field.through, dispatch_uid=f"summaries-m2m-{label}-{m2m.name}"
            )
