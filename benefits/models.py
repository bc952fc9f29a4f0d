"""What each initiative is expected to bring: economic benefits (kroner per year from a year) and
non-economic ones (an indicator with a target), each with the baseline (what was approved) and the
forecast (what is expected now), and who realises them; and the follow-up a year after an
initiative is completed, when its lead records what was realised."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from authorities.models import Authority, localized
from common.roles import is_secretariat, reads_everything
from common.validators import no_control_characters
from initiatives.models import Initiative

AMOUNT_DIGITS = 15
AMOUNT_PLACES = 2


class Kind(models.TextChoices):
    ECONOMIC = "economic", _("Economic (DKK per year)")
    NON_ECONOMIC = "non_economic", _("Non-economic (an indicator)")


class ByInitiativeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rows of the initiatives a user may see (Initiative.objects.visible_to)."""
        if reads_everything(user):
            return self
        return self.filter(initiative__in=Initiative.objects.visible_to(user))

    def editable_by(self, user):
        """Rows of the initiatives a user may change: the lead's coordinators and the secretariat."""
        if is_secretariat(user):
            return self
        return self.filter(initiative__in=Initiative.objects.editable_by(user))


class Benefit(models.Model):
    """One expected benefit of an initiative, with its baseline, forecast and (later) what was realised."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="benefits"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title_da = models.CharField(_("benefit (Danish)"), max_length=200, validators=[no_control_characters])
    title_en = models.CharField(_("benefit (English)"), max_length=200, blank=True, validators=[no_control_characters])
    indicator = models.CharField(
        _("indicator"), max_length=200, blank=True, validators=[no_control_characters],
        help_text=_("Non-economic benefits: what is measured and in which unit, e.g. “share of applications made digitally (%)”."),
    )
    higher_is_better = models.BooleanField(
        _("higher is better"), default=True,
        help_text=_("Untick for indicators that should go down, such as processing time."),
    )
    from_year = models.PositiveSmallIntegerField(
        _("from year"), null=True, blank=True, help_text=_("Economic benefits: the first year the saving is expected.")
    )
    baseline = models.DecimalField(
        _("baseline (target)"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES,
        help_text=_("What was approved: DKK per year, or the indicator's target value."),
    )
    forecast = models.DecimalField(
        _("forecast"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES,
        help_text=_("What is expected now, in the same unit."),
    )
    realised = models.DecimalField(
        _("realised"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True,
        help_text=_("Recorded at the follow-up a year after the initiative is completed."),
    )
    realised_by = models.ForeignKey(
        Authority, verbose_name=_("realised by"), on_delete=models.PROTECT, related_name="benefits_realised",
        help_text=_("The authority where the benefit arises."),
    )
    history = HistoricalRecords()

    objects = ByInitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["initiative", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="non_economic") | (Q(baseline__gte=0) & Q(forecast__gte=0)),
                name="benefit_economic_not_negative",
                violation_error_message=_("An economic benefit cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(kind="economic") | ~Q(indicator=""),
                name="benefit_non_economic_has_indicator",
                violation_error_message=_("A non-economic benefit needs its indicator."),
            ),
            models.CheckConstraint(
                condition=Q(kind="non_economic") | Q(from_year__isnull=False),
                name="benefit_economic_has_from_year",
                violation_error_message=_("An economic benefit needs the year it starts."),
            ),
            models.CheckConstraint(
                condition=Q(from_year__isnull=True) | Q(from_year__gte=2000, from_year__lte=2100),
                name="benefit_from_year_plausible",
                violation_error_message=_("The year must be between 2000 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code_with_strategy}: {self.title_da}"

    @property
    def title(self) -> str:
        return localized(self.title_da, self.title_en)

    def is_editable_by(self, user) -> bool:
        return self.initiative.is_editable_by(user)


class FollowUpQuerySet(ByInitiativeQuerySet):
    def overdue(self, today: datetime.date | None = None):
        """Follow-ups due before today and not yet recorded."""
        return self.filter(recorded_at__isnull=True, due_on__lt=today or timezone.localdate())

    def due_between(self, first: datetime.date, last: datetime.date):
        """Follow-ups due from `first` to `last`, both included: those a reporting cycle with that
        period is owed (reporting.selectors)."""
        return self.filter(due_on__gte=first, due_on__lte=last)


class FollowUp(models.Model):
    """The benefits follow-up of a completed initiative, due a year after its end."""

    initiative = models.OneToOneField(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="benefits_follow_up"
    )
    due_on = models.DateField(_("due on"))
    summary = models.TextField(
        _("what was realised"), blank=True, validators=[no_control_characters],
        help_text=_("In words: which benefits arose, where, and what stood in the way of the rest."),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefits follow-up")
        verbose_name_plural = _("benefits follow-ups")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.initiative.code_with_strategy}: {self.due_on:%d.%m.%Y}"

    def is_editable_by(self, user) -> bool:
        return self.initiative.is_editable_by(user)
