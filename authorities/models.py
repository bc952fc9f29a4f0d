from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.roles import is_secretariat, reads_everything
from common.validators import no_control_characters, validate_cvr


class Level(models.TextChoices):
    """The level of government an authority belongs to; partners are not authorities."""

    CENTRAL = "central", _("Central government")
    REGIONAL = "regional", _("Regional")
    MUNICIPAL = "municipal", _("Municipal")
    PARTNER = "partner", _("Partner")


class Kind(models.TextChoices):
    """What sort of body an authority or partner is."""

    MINISTRY = "ministry", _("Ministry")
    AGENCY = "agency", _("Agency")
    COUNCIL = "council", _("Council")
    REGION = "region", _("Region")
    MUNICIPALITY = "municipality", _("Municipality")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    UNIVERSITY = "university", _("University")
    OTHER_INSTITUTION = "other_institution", _("Other institution")
    ASSOCIATION = "association", _("Association of authorities")
    BUSINESS = "business", _("Business")
    TRADE_ORGANISATION = "trade_organisation", _("Trade organisation")
    NGO = "ngo", _("NGO")


# Kinds that are executive institutions: they sit under a parent and take its level.
INSTITUTION_KINDS = {Kind.HOSPITAL, Kind.SCHOOL, Kind.UNIVERSITY, Kind.OTHER_INSTITUTION}


def localized(da: str, en: str) -> str:
    """The English text when English is active and there is one, else the Danish."""
    if en and (get_language() or "da").startswith("en"):
        return en
    return da


def localized_name(da: str, en: str) -> str:
    """A proper name (an authority's, a strategy's) in the active language. Where the sources give
    no English name, an English page shows the Danish one marked as Danish, not silently mixed in."""
    if en or not (get_language() or "da").startswith("en"):
        return localized(da, en)
    return f"{da} ({gettext('Danish name')})"


class Sector(models.Model):
    """A policy sector an authority works in (health, education, ...), used as a tag."""

    slug = models.SlugField(_("slug"), unique=True)
    name_da = models.CharField(_("name (Danish)"), max_length=100, validators=[no_control_characters])
    name_en = models.CharField(_("name (English)"), max_length=100, validators=[no_control_characters])
    history = HistoricalRecords()

    class Meta:
        ordering = ["name_da"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_da, self.name_en)


def resolve_levels(rows: Iterable[tuple[int, str, int | None]]) -> dict[int, str]:
    """The one rule for an authority's effective level: its own level, else its nearest ancestor's,
    following the whole parent chain (a grandchild institution takes its grandparent's level).

    `rows` are (id, level, parent_id) for every authority; "" where no ancestor has a level.
    """
    own = {pk: (level, parent) for pk, level, parent in rows}
    resolved: dict[int, str] = {}
    for pk in own:
        level, parent, seen = own[pk][0], own[pk][1], {pk}
        while not level and parent in own and parent not in seen:
            seen.add(parent)
            level, parent = own[parent]
        resolved[pk] = level or ""
    return resolved


def coordinated_authority_ids(user) -> frozenset[int]:
    """The one answer to "which authorities does this user coordinate?" (empty for anyone else,
    inactive users included). Cached on the user object: asked many times per request."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    cached = getattr(user, "_coordinated_authority_ids", None)
    if cached is None:
        cached = frozenset(Coordinator.objects.filter(user=user).values_list("authority_id", flat=True))
        user._coordinated_authority_ids = cached
    return cached


class AuthorityQuerySet(models.QuerySet):
    def municipalities(self):
        return self.filter(kind=Kind.MUNICIPALITY)

    def regions(self):
        return self.filter(kind=Kind.REGION)

    def at_level(self, level: str):
        return self.filter(level=level)

    def coordinated_by(self, user):
        """Authorities the user coordinates (none for an inactive user)."""
        return self.filter(pk__in=coordinated_authority_ids(user))

    def visible_to(self, user):
        """Authorities a user may see in the admin: all for the secretariat and its readers, their own
        for a coordinator."""
        return self if reads_everything(user) else self.coordinated_by(user)

    def editable_by(self, user):
        """Authorities a user may change: all for the secretariat, their own for a coordinator."""
        return self if is_secretariat(user) else self.coordinated_by(user)

    def effective_levels(self) -> dict[int, str]:
        """Every authority's effective level by id (resolve_levels), in one query over the table."""
        return resolve_levels(Authority.objects.order_by().values_list("id", "level", "parent_id"))

    def ids_at_effective_level(self, level: str) -> list[int]:
        """The ids of the authorities whose effective level (resolve_levels) is `level`, in one query.
        A list, not a subquery: PostgreSQL filters a join by a list of ids faster than by a join."""
        return [pk for pk, resolved in self.effective_levels().items() if resolved == level]


class Authority(models.Model):
    """A public authority, an executive institution or an outside partner taking part in initiatives."""

    name_da = models.CharField(_("name (Danish)"), max_length=200, validators=[no_control_characters])
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True, validators=[no_control_characters])
    level = models.CharField(
        _("level"),
        max_length=16,
        choices=Level.choices,
        blank=True,
        help_text=_("Leave empty for an institution to take its parent's level."),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("Agency under its ministry, hospital under its region, school under its municipality."),
    )
    region = models.ForeignKey(
        "self",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Kind.REGION},
        help_text=_("The region a municipality or a regional or municipal institution lies in."),
    )
    code = models.CharField(
        _("official code"),
        max_length=16,
        blank=True,
        help_text=_("Municipality code (e.g. 0101) or region code (e.g. 1084), where one exists."),
    )
    nuts2 = models.CharField(_("NUTS2 code"), max_length=8, blank=True)
    cvr = models.CharField(
        _("CVR number"),
        max_length=8,
        blank=True,
        validators=[validate_cvr],
        help_text=_(
            "The authority's number in the Central Business Register (8 digits). A NemLog-in login for an "
            "organisation with this number is a login for this authority."
        ),
    )
    outside_municipal_division = models.BooleanField(
        _("outside the municipal division"),
        default=False,
        help_text=_("Christiansø: governed by the state, not a municipality."),
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True)
    website = models.URLField(_("website"), blank=True)
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Generated for the demo or a benchmark; not a real body."),
    )
    history = HistoricalRecords(m2m_fields=[sectors])

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["name_da"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"],
                condition=~Q(code=""),
                name="authority_code_unique_per_kind",
                violation_error_message=_("Another authority of this kind has this code."),
            ),
            models.UniqueConstraint(
                fields=["cvr"],
                condition=~Q(cvr=""),
                name="authority_cvr_unique",
                violation_error_message=_("Another authority has this CVR number."),
            ),
            models.CheckConstraint(
                condition=Q(cvr="") | Q(cvr__regex=r"^[0-9]{8}$"),
                name="authority_cvr_eight_digits",
                violation_error_message=_("A CVR number is 8 digits."),
            ),
            models.CheckConstraint(
                condition=~Q(level="") | Q(parent__isnull=False),
                name="authority_level_or_parent",
                violation_error_message=_("Choose a level, or a parent to take the level from."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="authority_not_own_parent",
                violation_error_message=_("An authority cannot be its own parent."),
            ),
        ]
        indexes = [models.Index(fields=["level", "kind"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The dashboard's page; the admin's "view on site" leads here (scoped in admin_site.py).
        return reverse("authorities:detail", args=[self.pk])

    @property
    def name(self) -> str:
        return localized_name(self.name_da, self.name_en)

    @property
    def effective_level(self) -> str:
        """Its own level, else its nearest ancestor's (resolve_levels, one query per ancestor)."""
        authority, seen = self, {self.pk}
        while not authority.level and authority.parent_id and authority.parent_id not in seen:
            seen.add(authority.parent_id)
            authority = authority.parent
        return authority.level or ""

    def is_editable_by(self, user) -> bool:
        return is_secretariat(user) or self.pk in coordinated_authority_ids(user)

    def clean(self) -> None:
        # An institution takes its parent's effective level unless one is set (resolve_levels).
        if not self.level and self.parent_id:
            self.level = self.parent.effective_level


class Coordinator(models.Model):
    """A user who maintains an authority's records in the admin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="coordinator_roles",
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.CASCADE, related_name="coordinators"
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "authority"],
                name="coordinator_unique",
                violation_error_message=_("This user already coordinates this authority."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.authority}"
