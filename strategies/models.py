import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from authorities.models import localized, localized_name
from common.validators import no_control_characters


class StrategyKind(models.TextChoices):
    """Who agreed a strategy."""

    JOINT_PUBLIC = "joint_public", _("Joint public-sector")
    NATIONAL = "national", _("National")
    JOINT_MUNICIPAL_REGIONAL = "joint_municipal_regional", _("Joint municipal/regional")
    SECTOR = "sector", _("Sector")


class StrategyQuerySet(models.QuerySet):
    def current(self, today: datetime.date | None = None):
        """The strategy running today, else the latest that has started."""
        year = (today or timezone.localdate()).year
        running = self.filter(start_year__lte=year, end_year__gte=year).order_by("-start_year")
        return running.first() or self.filter(start_year__lte=year).order_by("-start_year").first()


class Strategy(models.Model):
    """A multi-year digital strategy agreed by central government, regions and municipalities."""

    code = models.SlugField(
        _("code"), max_length=20, unique=True, help_text=_("The period, e.g. 2022-2025.")
    )
    name_da = models.CharField(_("name (Danish)"), max_length=200, validators=[no_control_characters])
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True, validators=[no_control_characters])
    start_year = models.PositiveSmallIntegerField(_("start year"))
    end_year = models.PositiveSmallIntegerField(_("end year"))
    kind = models.CharField(
        _("kind"), max_length=32, choices=StrategyKind.choices, default=StrategyKind.JOINT_PUBLIC
    )
    parties = models.CharField(_("parties"), max_length=300, blank=True, validators=[no_control_characters])
    structure = models.CharField(_("structure"), max_length=200, blank=True, validators=[no_control_characters])
    planned_initiative_count = models.PositiveSmallIntegerField(
        _("initiatives in the published strategy"), null=True, blank=True
    )
    summary = models.TextField(_("summary"), blank=True, validators=[no_control_characters])
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    source_note = models.CharField(
        _("source note"), max_length=300, blank=True, help_text=_("What the sources do not confirm.")
    )
    history = HistoricalRecords()

    objects = StrategyQuerySet.as_manager()

    class Meta:
        ordering = ["start_year"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__lte=models.F("end_year")),
                name="strategy_start_before_end",
                violation_error_message=_("The start year must not be after the end year."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_year}–{self.end_year})"

    @property
    def name(self) -> str:
        return localized_name(self.name_da, self.name_en)

    @property
    def period(self) -> str:
        return f"{self.start_year}–{self.end_year}"


class FocusArea(models.Model):
    """A focus area, track or vision of a strategy."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="focus_areas"
    )
    code = models.CharField(_("code"), max_length=20, validators=[no_control_characters])
    name_da = models.CharField(_("name (Danish)"), max_length=200, validators=[no_control_characters])
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True, validators=[no_control_characters])
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["strategy__start_year", "order", "code"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "code"],
                name="focus_area_code_unique_per_strategy",
                violation_error_message=_("This strategy already has a focus area with this code."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return localized(self.name_da, self.name_en)
