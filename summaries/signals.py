"""Every change to portfolio data marks the summaries dirty and schedules a recompute on commit.

The handlers only record and schedule; what a recompute does is decided in summaries.engine.
Writes that send no signals (`QuerySet.update()`, `bulk_create`) call `scheduling.mark_dirty()`.
"""


from django.db.models.signals import m2m_changed, post_delete, post_save

from agreements.models import Agreement
from authorities.models import Authority
from initiatives.models import Dependency, Initiative, Milestone, Participation
from strategies.models import FocusArea, Strategy

from . import scheduling

# Strategies and focus areas too: the level matrix is per strategy, and the pages and the API show their
# codes and names, which the figures' cache (freshness.remember_figures) must not serve after a change.
WATCHED_MODELS = (Initiative, Participation, Dependency, Milestone, Authority, Agreement, Strategy, FocusArea)


def portfolio_data_changed(sender, **kwargs) -> None:
    scheduling.mark_dirty()


def portfolio_relation_changed(sender, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        scheduling.mark_dirty()


def connect() -> None:
    for model in WATCHED_MODELS:
        label = model._meta.label_lower
        post_save.connect(portfolio_data_changed, sender=model, dispatch_uid=f"summaries-save-{label}")
        post_delete.connect(portfolio_data_changed, sender=model, dispatch_uid=f"summaries-delete-{label}")
        for m2m in model._meta.many_to_many:
            m2m_changed.connect(
                portfolio_relation_changed, sender=m2m.remote_field.through, dispatch_uid=f"summaries-m2m-{label}-{m2m.name}"
            )
