"""Who pays what, and when: each initiative's budget per year, split between the parties that fund the
joint strategies (the state, KL for the municipalities, Danske Regioner for the regions, others), with
what was spent, and the re-phasings that moved money from one year to a later one.

Amounts are kroner with øre, stored as Decimal (never float): the totals shown are sums of the rows."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from authorities.models import Authority
from common.roles import is_secretariat, reads_everything
from initiatives.models import Initiative

AMOUNT_DIGITS = 15  # up to DKK 9.999.999.999.999,99
AMOUNT_PLACES = 2
ZERO = Decimal("0.00")


class Party(models.TextChoices):
    """Who pays: the three parties of the joint strategies, and anyone else."""

    STATE = "state", _("The state")
    KL = "kl", _("KL (the municipalities)")
    REGIONS = "regions", _("Danske Regioner (the regions)")
    OTHER = "other", _("Others")


def amount_field(verbose_name, **kwargs) -> models.DecimalField:
    # The validator names the field in a refusal; the check constraints below keep the database right.
    return models.DecimalField(verbose_name, max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES,
                               validators=[MinValueValidator(ZERO, _("An amount cannot be negative."))], **kwargs)


class FundingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Funding rows of the initiatives a user may see (Initiative.objects.visible_to)."""
        if reads_everything(user):
            return self
        return self.filter(initiative__in=Initiative.objects.visible_to(user))

    def editable_by(self, user):
        """Funding rows a user may change: those of initiatives they may change (the lead's coordinators)."""
        if is_secretariat(user):
            return self
        return self.filter(initiative__in=Initiative.objects.editable_by(user))


class FundingYear(models.Model):
    """An initiative's budget for one year: the whole, which its party shares add up to."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="funding_years"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[
        MinValueValidator(2000, _("The year must be between 2000 and 2100.")),
        MaxValueValidator(2100, _("The year must be between 2000 and 2100.")),
    ])
    budget = amount_field(_("budget (DKK)"))
    history = HistoricalRecords()

    objects = FundingQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding year")
        verbose_name_plural = _("funding years")
        ordering = ["initiative", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "year"],
                name="funding_year_unique",
                violation_error_message=_("This initiative already has a budget for this year."),
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="funding_year_budget_not_negative",
                violation_error_message=_("A budget cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="funding_year_plausible",
                violation_error_message=_("The year must be between 2000 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code_with_strategy} {self.year}"

    def is_editable_by(self, user) -> bool:
        return self.initiative.is_editable_by(user)


class FundingShareQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Shares of the funding years a user may see (FundingYear.objects.visible_to)."""
        if reads_everything(user):
            return self
        return self.filter(funding_year__in=FundingYear.objects.visible_to(user))

    def editable_by(self, user):
        if is_secretariat(user):
            return self
        return self.filter(funding_year__in=FundingYear.objects.editable_by(user))


class FundingShare(models.Model):
    """One party's part of an initiative's budget for a year, and what that party has spent of it."""

    funding_year = models.ForeignKey(
        FundingYear, verbose_name=_("funding year"), on_delete=models.CASCADE, related_name="shares"
    )
    party = models.CharField(_("party"), max_length=10, choices=Party.choices)
    ministry = models.ForeignKey(
        Authority,
        verbose_name=_("financing ministry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For the state's share: the ministry whose budget pays, if known."),
    )
    budget = amount_field(_("budget (DKK)"))
    actual = amount_field(_("spent (DKK)"), null=True, blank=True)
    history = HistoricalRecords()

    objects = FundingShareQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding share")
        verbose_name_plural = _("funding shares")
        ordering = ["funding_year", "party"]
        constraints = [
            models.UniqueConstraint(
                fields=["funding_year", "party"],
                name="funding_share_unique",
                violation_error_message=_("Each party has one share of a year's budget."),
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0) & (Q(actual__isnull=True) | Q(actual__gte=0)),
                name="funding_share_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(ministry__isnull=True) | Q(party="state"),
                name="funding_share_ministry_only_for_the_state",
                violation_error_message=_("Only the state's share has a financing ministry."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funding_year} – {self.get_party_display()}"

    def is_editable_by(self, user) -> bool:
        return self.funding_year.is_editable_by(user)

    @property
    def variance(self) -> Decimal | None:
        """Spent minus budget: positive is an overspend, negative an underspend; None before anything is spent."""
        return None if self.actual is None else self.actual - self.budget


class Rephasing(models.Model):
    """An amount of one party's budget moved from one year of an initiative to a later one."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="rephasings"
    )
    party = models.CharField(_("party"), max_length=10, choices=Party.choices)
    from_year = models.PositiveSmallIntegerField(_("from year"))
    to_year = models.PositiveSmallIntegerField(_("to year"))
    amount = amount_field(_("amount (DKK)"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the system (the illustrative demo)."),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = FundingQuerySet.as_manager()

    class Meta:
        verbose_name = _("re-phasing")
        verbose_name_plural = _("re-phasings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_year__gt=models.F("from_year")),
                name="rephasing_to_a_later_year",
                violation_error_message=_("Money can only be moved to a later year."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="rephasing_amount_positive",
                violation_error_message=_("The amount moved must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code_with_strategy}: {self.from_year} → {self.to_year}"
