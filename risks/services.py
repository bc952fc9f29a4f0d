"""Writes to the risk register: saving a risk (who may, what is refused) and escalating the risks
whose linked dependency agreement has failed. Every write path calls these; each is one transaction."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Agreement, agreement_risk

from .models import ESCALATING, Risk

# The fields a coordinator sets; the score and the escalation are the register's.
RISK_FIELDS = ("title", "description", "probability", "impact", "owner", "mitigation", "review_date", "status",
               "agreement")


def _check_agreement(risk: Risk) -> None:
    """A linked agreement is one on a dependency of the risk's own initiative, either way."""
    if risk.agreement_id is None:
        return
    dependency = Agreement.objects.filter(pk=risk.agreement_id).values_list(
        "dependency__source_id", "dependency__target_id").first()
    if dependency is None or risk.initiative_id not in dependency:
        raise ValidationError({"agreement": _("Link an agreement on one of this initiative's own dependencies.")})


def risk_check(*, risk: Risk, user, full_clean: bool = True) -> None:
    """What risk_save refuses about a risk as it would be saved, without saving it: a form or an
    import's preview asks this before anything is written (`full_clean=False` where the caller has
    validated the fields already)."""
    if not risk.is_editable_by(user):
        raise PermissionDenied(_("Only the initiative's lead or the risk's owner may record this risk."))
    if full_clean:
        risk.full_clean(exclude=["score"])
    _check_agreement(risk)


@transaction.atomic
def risk_save(*, risk: Risk, user, **fields) -> Risk:
    """Create or change a risk (the initiative's lead's coordinators, the owner's, or the secretariat)."""
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"not risk fields: {sorted(unknown)}")
    if risk.pk is not None:
        risk = Risk.objects.select_for_update().get(pk=risk.pk)
        if not risk.is_editable_by(user):
            raise PermissionDenied(_("This risk is not yours to change."))
    for name, value in fields.items():
        setattr(risk, name, value)
    risk_check(risk=risk, user=user)
    _assess(risk, timezone.localdate())
    risk._history_user = user
    risk.save()
    return risk


def _assess(risk: Risk, today: datetime.date) -> bool:
    """Set escalated and the score from the linked agreement as of today; True when either changed."""
    escalated = False
    if risk.agreement_id is not None:
        agreement = risk.agreement
        escalated = agreement_risk(agreement.state, agreement.needed_by, agreement.committed_date, today) in ESCALATING
    before = (risk.escalated, risk.score)
    if escalated != risk.escalated:
        risk.escalated = escalated
        risk.escalated_at = timezone.now() if escalated else None
    risk.refresh_score()
    return (risk.escalated, risk.score) != before


@transaction.atomic
def risks_escalate(*, agreement_ids: list[int] | None = None, today: datetime.date | None = None) -> int:
    """Escalate the open risks whose linked agreement is declined or unanswered after its needed-by
    date, and lower them again when it no longer is; returns how many changed. Idempotent: what the
    agreement steps trigger and what the nightly run catches up (an overdue answer comes with the date)."""
    today = today or timezone.localdate()
    # Linked ones, and escalated ones whose agreement is gone (deleted with its dependency).
    risks = Risk.objects.open().filter(Q(agreement__isnull=False) | Q(escalated=True))
    if agreement_ids is not None:
        risks = risks.filter(agreement_id__in=agreement_ids)
    changed = 0
    for risk in risks.select_related("agreement").select_for_update(of=("self",)).order_by("pk"):
        if _assess(risk, today):
            risk._change_reason = "escalated: linked agreement failing" if risk.escalated else "escalation lifted"
            risk.save(update_fields=["escalated", "escalated_at", "score"])
            changed += 1
    return changed
