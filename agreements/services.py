"""The agreement round, in one place: request → commit, or propose another date → accept; decline;
reopen. Every path (pages, admin, the demo) calls these functions.

A refusal is a ValidationError naming the field, or PermissionDenied when the user may not act for
that side at all; each function is one transaction, so a refusal saves nothing. Every transition is
recorded twice: in the agreement's history (django-simple-history, with the user) and as an
`AgreementTransition` row saying who did what on behalf of which authority, with its date and reason.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.models import coordinated_authority_ids
from common.roles import is_secretariat
from initiatives.models import Dependency
from initiatives.services import dependency_update

from .events import state_change_announce
from .models import (
    Agreement,
    AgreementAction,
    AgreementState,
    AgreementTransition,
    is_cross_authority,
)

REQUESTER, PROVIDER = "requester", "provider"

# From which states each action may be taken.
ALLOWED_FROM = {
    AgreementAction.COMMIT: frozenset({AgreementState.REQUESTED, AgreementState.PROPOSED}),
    AgreementAction.PROPOSE: frozenset({AgreementState.REQUESTED}),
    AgreementAction.ACCEPT: frozenset({AgreementState.PROPOSED, AgreementState.COMMITTED}),
    AgreementAction.REOPEN: frozenset({
        AgreementState.COMMITTED, AgreementState.PROPOSED, AgreementState.ACCEPTED, AgreementState.DECLINED,
    }),
}
# The provider declines a request; the requester declines a proposal.
DECLINE_FROM = {PROVIDER: frozenset({AgreementState.REQUESTED}), REQUESTER: frozenset({AgreementState.PROPOSED})}


def _acting_authority_id(user, *, authority_id: int, side: str) -> int | None:
    """The authority the user acts for on this side (None for the secretariat), or PermissionDenied."""
    if authority_id in coordinated_authority_ids(user):
        return authority_id
    if is_secretariat(user):
        return None
    if side == PROVIDER:
        raise PermissionDenied(_("Only the coordinators of the authority asked may answer this agreement."))
    raise PermissionDenied(_("Only the coordinators of the authority that asked may do this."))


def _lock(agreement: Agreement) -> Agreement:
    """The agreement as it is now, locked to this transaction, with both initiatives."""
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("dependency__source", "dependency__target")
        .get(pk=agreement.pk)
    )


def _require_state(agreement: Agreement, allowed: frozenset, action: str) -> None:
    if agreement.state not in allowed:
        raise ValidationError({"state": _("An agreement that is “%(state)s” cannot change this way (%(action)s).") % {
            "state": AgreementState(agreement.state).label, "action": AgreementAction(action).label,
        }})


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    return reason


def _require_not_before_request(agreement: Agreement, field: str, date: datetime.date | None) -> datetime.date:
    if date is None:
        raise ValidationError({field: _("Give a date.")})
    asked_on = timezone.localdate(agreement.requested_at)
    if date < asked_on:
        raise ValidationError({field: _("The date must not be before the request (%(date)s).") % {
            "date": asked_on.strftime("%d.%m.%Y"),
        }})
    return date


def _check_ask(needed_by: datetime.date | None, what_needed: str, today: datetime.date) -> str:
    what_needed = (what_needed or "").strip()
    if needed_by is None:
        raise ValidationError({"needed_by": _("Give the date it is needed by.")})
    if needed_by < today:
        raise ValidationError({"needed_by": _("The needed-by date must not be in the past.")})
    if not what_needed:
        raise ValidationError({"what_needed": _("Say what is needed.")})
    return what_needed


def _record(agreement: Agreement, *, action: str, from_state: str, user, authority_id: int | None,
            date: datetime.date | None = None, reason: str = "") -> None:
    agreement.full_clean()
    agreement._history_user = user
    agreement._change_reason = AgreementAction(action).label
    agreement.save()
    AgreementTransition.objects.create(
        agreement=agreement, action=action, from_state=from_state, to_state=agreement.state,
        by_user=user, by_authority_id=authority_id, at=agreement.updated_at, date=date, reason=reason,
    )
    # In this transaction: a listener's record (the webhooks' outbox) exists exactly when the step commits.
    state_change_announce(agreement_id=agreement.pk, old=from_state, new=agreement.state)


def _set_needed_by(agreement: Agreement, needed_by: datetime.date) -> None:
    """The ask's date is the dependency's needed-by date too, so the engine's lateness rule reads it."""
    if agreement.dependency.needed_by != needed_by:
        dependency_update(dependency=agreement.dependency, needed_by=needed_by)


@transaction.atomic
def agreement_request(*, dependency: Dependency, user, needed_by: datetime.date | None, what_needed: str) -> Agreement:
    """The dependant's lead asks the provider's lead to deliver what is needed by a date."""
    dependency = Dependency.objects.select_related("source", "target").get(pk=dependency.pk)
    if not is_cross_authority(dependency):
        raise ValidationError({"dependency": _(
            "Both initiatives have the same lead authority: a dependency within one authority needs no agreement."
        )})
    authority_id = _acting_authority_id(user, authority_id=dependency.source.lead_id, side=REQUESTER)
    if Agreement.objects.filter(dependency=dependency).exists():
        raise ValidationError({"dependency": _("This dependency already has an agreement; reopen it to ask again.")})
    now = timezone.now()
    what_needed = _check_ask(needed_by, what_needed, timezone.localdate(now))
    agreement = Agreement(dependency=dependency, needed_by=needed_by, what_needed=what_needed, requested_at=now)
    _set_needed_by(agreement, needed_by)
    _record(agreement, action=AgreementAction.REQUEST, from_state="", user=user, authority_id=authority_id,
            date=needed_by)
    return agreement


@transaction.atomic
def agreement_commit(*, agreement: Agreement, user, committed_date: datetime.date | None) -> Agreement:
    """The provider promises a date (which may be later than needed)."""
    agreement = _lock(agreement)
    authority_id = _acting_authority_id(user, authority_id=agreement.provider_id, side=PROVIDER)
    _require_state(agreement, ALLOWED_FROM[AgreementAction.COMMIT], AgreementAction.COMMIT)
    from_state = agreement.state
    agreement.committed_date = _require_not_before_request(agreement, "committed_date", committed_date)
    agreement.state, agreement.proposed_date, agreement.reason = AgreementState.COMMITTED, None, ""
    agreement.answered_at = timezone.now()
    _record(agreement, action=AgreementAction.COMMIT, from_state=from_state, user=user, authority_id=authority_id,
            date=agreement.committed_date)
    return agreement


@transaction.atomic
def agreement_propose(*, agreement: Agreement, user, proposed_date: datetime.date | None, reason: str) -> Agreement:
    """The provider proposes another date, saying why; the requester accepts or declines it."""
    agreement = _lock(agreement)
    authority_id = _acting_authority_id(user, authority_id=agreement.provider_id, side=PROVIDER)
    _require_state(agreement, ALLOWED_FROM[AgreementAction.PROPOSE], AgreementAction.PROPOSE)
    from_state = agreement.state
    agreement.reason = _require_reason(reason)
    agreement.proposed_date = _require_not_before_request(agreement, "proposed_date", proposed_date)
    agreement.state, agreement.answered_at = AgreementState.PROPOSED, timezone.now()
    _record(agreement, action=AgreementAction.PROPOSE, from_state=from_state, user=user, authority_id=authority_id,
            date=agreement.proposed_date, reason=agreement.reason)
    return agreement


@transaction.atomic
def agreement_accept(*, agreement: Agreement, user) -> Agreement:
    """The requester accepts the commitment or the proposed date (which becomes the committed date)."""
    agreement = _lock(agreement)
    authority_id = _acting_authority_id(user, authority_id=agreement.requester_id, side=REQUESTER)
    _require_state(agreement, ALLOWED_FROM[AgreementAction.ACCEPT], AgreementAction.ACCEPT)
    from_state = agreement.state
    if from_state == AgreementState.PROPOSED:
        agreement.committed_date, agreement.proposed_date = agreement.proposed_date, None
    agreement.state = AgreementState.ACCEPTED
    _record(agreement, action=AgreementAction.ACCEPT, from_state=from_state, user=user, authority_id=authority_id,
            date=agreement.committed_date)
    return agreement


@transaction.atomic
def agreement_decline(*, agreement: Agreement, user, reason: str) -> Agreement:
    """The provider declines a request, or the requester declines a proposed date; a reason is required."""
    agreement = _lock(agreement)
    side, authority_id = _side_of(agreement, user)
    _require_state(agreement, DECLINE_FROM[side], AgreementAction.DECLINE)
    from_state = agreement.state
    agreement.reason = _require_reason(reason)
    agreement.state, agreement.proposed_date, agreement.committed_date = AgreementState.DECLINED, None, None
    if side == PROVIDER:
        agreement.answered_at = timezone.now()
    _record(agreement, action=AgreementAction.DECLINE, from_state=from_state, user=user, authority_id=authority_id,
            reason=agreement.reason)
    return agreement


@transaction.atomic
def agreement_reopen(
    *, agreement: Agreement, user, needed_by: datetime.date | None = None, what_needed: str | None = None,
    reason: str = "",
) -> Agreement:
    """Either side puts the agreement back to requested; only the requester may change what is asked."""
    agreement = _lock(agreement)
    side, authority_id = _side_of(agreement, user)
    _require_state(agreement, ALLOWED_FROM[AgreementAction.REOPEN], AgreementAction.REOPEN)
    if side == PROVIDER and (needed_by is not None or what_needed is not None):
        field = "needed_by" if needed_by is not None else "what_needed"
        raise ValidationError({field: _("Only the authority that asked may change what is asked.")})
    from_state = agreement.state
    now = timezone.now()
    if side == REQUESTER and (needed_by is not None or what_needed is not None):
        needed_by = needed_by if needed_by is not None else agreement.needed_by
        agreement.what_needed = _check_ask(
            needed_by, agreement.what_needed if what_needed is None else what_needed, timezone.localdate(now)
        )
        agreement.needed_by = needed_by
        _set_needed_by(agreement, needed_by)
    agreement.state, agreement.requested_at, agreement.answered_at = AgreementState.REQUESTED, now, None
    agreement.committed_date = agreement.proposed_date = None
    agreement.reason = ""
    _record(agreement, action=AgreementAction.REOPEN, from_state=from_state, user=user, authority_id=authority_id,
            date=agreement.needed_by, reason=(reason or "").strip())
    return agreement


def _side_of(agreement: Agreement, user) -> tuple[str, int | None]:
    """Which side the user acts for (the requester's when they coordinate both), or PermissionDenied.
    The secretariat acts for the requester: what the provider says is the provider's to say."""
    ids = coordinated_authority_ids(user)
    if agreement.requester_id in ids:
        return REQUESTER, agreement.requester_id
    if agreement.provider_id in ids:
        return PROVIDER, agreement.provider_id
    if is_secretariat(user):
        return REQUESTER, None
    raise PermissionDenied(_("Your authority is not a party to this agreement."))


def agreement_side(agreement: Agreement, user) -> str | None:
    """"requester", "provider" or None: which list the agreement belongs to for this user."""
    ids = coordinated_authority_ids(user)
    if agreement.requester_id in ids:
        return REQUESTER
    if agreement.provider_id in ids:
        return PROVIDER
    return None

