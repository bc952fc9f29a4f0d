"""The risk register's Celery tasks: thin wrappers that call a service. JSON-serialisable arguments only."""

from celery import shared_task

from .services import risks_escalate


@shared_task
def escalate_risks(agreement_ids: list[int] | None = None) -> int:
    """Re-assess the risks linked to these agreements (all linked risks when None)."""
    return risks_escalate(agreement_ids=agreement_ids)
