"""Dependency agreements between authorities: what the dependant's lead asked of the provider's lead,
by when, and the provider's answer. The parties are always the current leads of the two initiatives."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from authorities.models import Authority, coordinated_authority_ids
from common.roles import is_secretariat, reads_everything
from common.validators import no_control_characters
from initiatives.models import Dependency


class AgreementState(models.TextChoices):
    """Where an agreement is in its round."""

    REQUESTED = "requested", _("Requested")
    COMMITTED = "committed", _("Committed")
    PROPOSED = "proposed", _("Other date proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class AgreementAction(models.TextChoices):
    """A transition of an agreement, as recorded."""

    REQUEST = "request", _("requested")
    COMMIT = "commit", _("committed")
    PROPOSE = "propose", _("proposed another date")
    ACCEPT = "accept", _("accepted")
    DECLINE = "decline", _("declined")
    REOPEN = "reopen", _("reopened")


class AgreementRisk(models.TextChoices):
    """What an agreement by itself says about the dependant's risk (summaries.RiskReason repeats these)."""

    DECLINED = "agreement_declined", _("agreement declined")
    UNANSWERED = "agreement_unanswered", _("agreement unanswered after its needed-by date")
    COMMITTED_LATE = "agreement_late", _("committed later than needed")


# The states in which the provider has promised a date: `committed_date` is set exactly then.
PROMISED_STATES = frozenset({AgreementState.COMMITTED, AgreementState.ACCEPTED})


def agreement_risk(
    state: str, needed_by: datetime.date, committed_date: datetime.date | None, today: datetime.date
) -> str | None:
    """The one rule: declined, still requested after its needed-by date, or committed later than needed."""
    if state == AgreementState.DECLINED:
        return AgreementRisk.DECLINED
    if state == AgreementState.REQUESTED and needed_by < today:
        return AgreementRisk.UNANSWERED
    if state in PROMISED_STATES and committed_date is not None and committed_date > needed_by:
        return AgreementRisk.COMMITTED_LATE
    return None


def cross_authority(dependencies: models.QuerySet) -> models.QuerySet:
    """The dependencies that are agreements to make: their two initiatives have different lead authorities."""
    return dependencies.exclude(source__lead_id=models.F("target__lead_id"))


def is_cross_authority(dependency: Dependency) -> bool:
    """The same rule for one dependency."""
    return dependency.source.lead_id != dependency.target.lead_id


def askable_dependencies(user) -> models.QuerySet:
    """Dependencies across authorities of initiatives the user's authorities lead, not asked yet."""
    mine = Dependency.objects.filter(source__lead_id__in=coordinated_authority_ids(user))
    # NOT EXISTS, not the reverse join's IS NULL: PostgreSQL took the outer join's IS NULL for one
    # row and walked every dependency (0.8 s for an agency at national scale, 0.1 s this way).
    asked = Agreement.objects.filter(dependency=models.OuterRef("pk"))
    return cross_authority(mine).filter(~models.Exists(asked))


class AgreementQuerySet(models.QuerySet):
    def with_parties(self):
        """With both initiatives, their strategies and leads: what every list shows."""
        return self.select_related(
            "dependency__source__strategy", "dependency__source__lead",
            "dependency__target__strategy", "dependency__target__lead",
        )

    def requested_by(self, authority_ids):
        """Agreements asked by these authorities (they lead the dependant)."""
        return self.filter(dependency__source__lead_id__in=authority_ids)

    def asked_of(self, authority_ids):
        """Agreements asked of these authorities (they lead the initiative depended on)."""
        return self.filter(dependency__target__lead_id__in=authority_ids)

    def party_to(self, authority_ids):
        """Agreements these authorities are party to, on either side."""
        return self.filter(
            Q(dependency__source__lead_id__in=authority_ids) | Q(dependency__target__lead_id__in=authority_ids)
        )

    def visible_to(self, user):
        """All for the secretariat and its readers; for a coordinator, those their authorities are party to."""
        if reads_everything(user):
            return self
        return self.party_to(coordinated_authority_ids(user))

    def answerable_by(self, user):
        """Agreements the user may answer as the provider (commit, propose, decline)."""
        if is_secretariat(user):
            return self
        return self.asked_of(coordinated_authority_ids(user))

    def requestable_by(self, user):
        """Agreements the user may ask, accept or re-ask as the requester."""
        if is_secretariat(user):
            return self
        return self.requested_by(coordinated_authority_ids(user))

    def between_levels(self, requester_level: str = "", provider_level: str = ""):
        """Agreements asked by an authority at one level of government of one at another (effective
        levels, the engine's level matrix reads the same); an empty level is any."""
        agreements = self
        if requester_level:
            agreements = agreements.filter(
                dependency__source__lead_id__in=Authority.objects.ids_at_effective_level(requester_level))
        if provider_level:
            agreements = agreements.filter(
                dependency__target__lead_id__in=Authority.objects.ids_at_effective_level(provider_level))
        return agreements

    def awaiting_answer(self):
        """Waiting for the provider: requested, not yet answered."""
        return self.filter(state=AgreementState.REQUESTED)

    def awaiting_requester(self):
        """Waiting for the requester: another date was proposed."""
        return self.filter(state=AgreementState.PROPOSED)

    def unanswered_since(self, moment: datetime.datetime):
        """Still requested, asked at or before `moment` (the secretariat's "unanswered after N days")."""
        return self.awaiting_answer().filter(requested_at__lte=moment)

    def overdue(self, today: datetime.date):
        """Still requested after the needed-by date (AgreementRisk.UNANSWERED)."""
        return self.awaiting_answer().filter(needed_by__lt=today)

    def committed_late(self):
        """Promised for a date later than needed (AgreementRisk.COMMITTED_LATE)."""
        return self.filter(state__in=PROMISED_STATES, committed_date__gt=models.F("needed_by"))

    def waiting_rows(self):
        """(agreement id, dependant id, depended-on id, the authority whose answer is awaited, needed
        by, state) of every agreement waiting for an answer: the provider's to a request, the
        requester's to a proposed date."""
        waiting_on = models.Case(
            models.When(state=AgreementState.PROPOSED, then=models.F("dependency__source__lead_id")),
            default=models.F("dependency__target__lead_id"),
        )
        return (
            self.filter(state__in=[AgreementState.REQUESTED, AgreementState.PROPOSED])
            .annotate(waiting_on=waiting_on)
            .order_by("needed_by", "pk")
            .values_list("pk", "dependency__source_id", "dependency__target_id", "waiting_on", "needed_by", "state")
        )

    def engine_rows(self):
        """(dependency id, state, needed by, committed date) of every agreement, for the engine."""
        return self.order_by().values_list("dependency_id", "state", "needed_by", "committed_date")

    def promised(self):
        """Agreements in which the provider has promised a date (committed, or accepted)."""
        return self.filter(state__in=PROMISED_STATES)

    def committed_date_of(self, dependency):
        """An expression for the date promised for `dependency` (an OuterRef), or NULL: lets a query
        over dependencies read it in the same statement (the impact analysis does)."""
        return models.Subquery(self.promised().filter(dependency=dependency).values("committed_date")[:1])


class Agreement(models.Model):
    """A dependency across two lead authorities as an agreement: asked by the dependant's lead, answered by the provider's."""

    dependency = models.OneToOneField(
        Dependency, verbose_name=_("dependency"), on_delete=models.CASCADE, related_name="agreement"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=AgreementState.choices, default=AgreementState.REQUESTED, db_index=True
    )
    needed_by = models.DateField(_("needed by"))
    what_needed = models.TextField(_("what is needed"), validators=[no_control_characters])
    requested_at = models.DateTimeField(_("requested at"))
    committed_date = models.DateField(_("committed date"), null=True, blank=True)
    proposed_date = models.DateField(_("proposed date"), null=True, blank=True)
    reason = models.TextField(
        _("reason"), blank=True, validators=[no_control_characters],
        help_text=_("Why another date is proposed, or why the request is declined."),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["needed_by", "pk"]
        verbose_name = _("dependency agreement")
        verbose_name_plural = _("dependency agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=PROMISED_STATES, committed_date__isnull=False)
                | (~Q(state__in=PROMISED_STATES) & Q(committed_date__isnull=True)),
                name="agreement_committed_date_when_promised",
                violation_error_message=_("A committed or accepted agreement has a committed date; no other has."),
            ),
            models.CheckConstraint(
                condition=~Q(state=AgreementState.PROPOSED) | (Q(proposed_date__isnull=False) & ~Q(reason="")),
                name="agreement_proposal_has_date_and_reason",
                violation_error_message=_("A proposal has another date and a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(state=AgreementState.DECLINED) | ~Q(reason=""),
                name="agreement_decline_has_reason",
                violation_error_message=_("A declined agreement says why."),
            ),
        ]
        # The lists sort by needed-by date; the filters ask for a state.
        indexes = [models.Index(fields=["needed_by", "id"]), models.Index(fields=["state", "needed_by"])]

    def __str__(self) -> str:
        return f"{self.dependency} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", args=[self.pk])

    @property
    def requester_id(self) -> int:
        return self.dependency.source.lead_id

    @property
    def provider_id(self) -> int:
        return self.dependency.target.lead_id

    @property
    def requester(self) -> Authority:
        return self.dependency.source.lead

    @property
    def provider(self) -> Authority:
        return self.dependency.target.lead

    def risk(self, today: datetime.date) -> str | None:
        return agreement_risk(self.state, self.needed_by, self.committed_date, today)

    def days_to_answer(self, today: datetime.date) -> int | None:
        """Days left until the needed-by date while the provider has not answered (negative: overdue)."""
        if self.state != AgreementState.REQUESTED:
            return None
        return (self.needed_by - today).days


class AgreementTransition(models.Model):
    """One step of an agreement's round: who did what, when, with which date and reason. Append-only."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("action"), max_length=10, choices=AgreementAction.choices)
    from_state = models.CharField(_("from"), max_length=10, choices=AgreementState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=10, choices=AgreementState.choices)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text=_("Empty for the illustrative agreements the demo seeds."),
    )
    by_authority = models.ForeignKey(
        Authority, verbose_name=_("on behalf of"), on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Empty when the secretariat acted."),
    )
    at = models.DateTimeField(_("at"))
    date = models.DateField(_("date"), null=True, blank=True, help_text=_("Needed-by, committed or proposed date."))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["agreement", "at", "pk"]
        verbose_name = _("agreement transition")
        verbose_name_plural = _("agreement transitions")

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
