"""The risk register: risks per initiative, scored probability × impact, owned by an authority,
optionally linked to a dependency agreement whose failure escalates them."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.models import AgreementRisk
from authorities.models import Authority, coordinated_authority_ids
from common.roles import is_secretariat, reads_everything
from common.validators import no_control_characters
from initiatives.models import Initiative, Participation

# What a linked agreement says that escalates a risk: the dependency has failed or is failing.
ESCALATING = frozenset({AgreementRisk.DECLINED, AgreementRisk.UNANSWERED})


class RiskStatus(models.TextChoices):
    """Where a risk is in its handling."""

    OPEN = "open", _("Open")
    MITIGATING = "mitigating", _("Being mitigated")
    CLOSED = "closed", _("Closed")


def risk_score(probability: int, impact: int, *, escalated: bool) -> int:
    """The one rule for a score: probability × impact; an escalated risk counts as certain (5 × impact)."""
    return (5 if escalated else probability) * impact


# The heatmap's bands of probability × impact, each drawn in one colour that means only that band.
class ScoreBand(models.TextChoices):
    """How serious a cell of the heatmap is."""

    LOW = "low", _("Low (score 1–4)")
    MEDIUM = "medium", _("Medium (score 5–11)")
    HIGH = "high", _("High (score 12–25)")


def score_band(score: int) -> str:
    """The one rule for a score's band: 1–4 low, 5–11 medium, 12–25 high."""
    if score >= 12:
        return ScoreBand.HIGH
    if score >= 5:
        return ScoreBand.MEDIUM
    return ScoreBand.LOW


OPEN_RISK_STATUSES = (RiskStatus.OPEN, RiskStatus.MITIGATING)


class RiskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Risks of the initiatives a user may see (Initiative.objects.visible_to: all for the
        secretariat and its readers; those a coordinator's authorities lead or take part in), and the
        risks their authorities own: everything a coordinator may edit, they may see."""
        if reads_everything(user):
            return self
        # The same rule as two lists PostgreSQL hashes once, rather than Initiative.visible_to's
        # EXISTS per initiative: the heatmap, count and page of a busy agency took 170 ms each at
        # national scale, 30 ms this way.
        ids = coordinated_authority_ids(user)
        led = Initiative.objects.filter(lead_id__in=ids).values("pk")
        taking_part = Participation.objects.filter(authority_id__in=ids).values("initiative_id")
        # And the risks their authorities own: they handle them (and are told when they escalate).
        return self.filter(Q(initiative__in=led) | Q(initiative__in=taking_part) | Q(owner_id__in=ids))

    def editable_by(self, user):
        """Risks a coordinator maintains: of initiatives their authorities lead, or owned by them."""
        if is_secretariat(user):
            return self
        ids = coordinated_authority_ids(user)
        return self.filter(Q(initiative__lead_id__in=ids) | Q(owner_id__in=ids))

    def open(self):
        """Risks still being handled (open or being mitigated): what the heatmap counts."""
        return self.filter(status__in=OPEN_RISK_STATUSES)

    def linked_to_agreements(self):
        return self.filter(agreement__isnull=False)


class Risk(models.Model):
    """A risk to one initiative: how likely, how bad, who owns it and what is done about it."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="risks"
    )
    title = models.CharField(_("title"), max_length=200, validators=[no_control_characters])
    description = models.TextField(_("description"), blank=True, validators=[no_control_characters])
    probability = models.PositiveSmallIntegerField(
        _("probability (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    owner = models.ForeignKey(
        Authority, verbose_name=_("owner authority"), on_delete=models.PROTECT, related_name="risks_owned"
    )
    mitigation = models.TextField(_("mitigation"), blank=True, validators=[no_control_characters])
    review_date = models.DateField(_("review date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    agreement = models.ForeignKey(
        "agreements.Agreement", verbose_name=_("dependency agreement"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="risks",
        help_text=_("When this agreement is declined or unanswered after its needed-by date, the risk is escalated."),
    )
    # Kept by risks.services.risks_escalate: set while the linked agreement has failed or is failing.
    escalated = models.BooleanField(_("escalated"), default=False, editable=False, db_index=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    score = models.PositiveSmallIntegerField(_("score"), default=1, editable=False, db_index=True)
    history = HistoricalRecords()

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "initiative", "pk"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=1, probability__lte=5),
                name="risk_probability_1_to_5",
                violation_error_message=_("The probability is a number from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5),
                name="risk_impact_1_to_5",
                violation_error_message=_("The impact is a number from 1 to 5."),
            ),
        ]
        indexes = [models.Index(fields=["probability", "impact"])]

    def __str__(self) -> str:
        return f"{self.initiative.code_with_strategy}: {self.title}"

    def refresh_score(self) -> None:
        self.score = risk_score(self.probability, self.impact, escalated=self.escalated)

    def is_editable_by(self, user) -> bool:
        ids = coordinated_authority_ids(user)
        return is_secretariat(user) or self.initiative.lead_id in ids or self.owner_id in ids
