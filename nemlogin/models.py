"""What a NemLog-in login may give: the roles MitID Erhverv privileges map to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.validators import no_control_characters


class Role(models.TextChoices):
    """A role a privilege gives, for the authority whose CVR number the login is for."""

    COORDINATOR = "coordinator", _("Coordinator for the organisation's authority")
    APPROVER = "approver", _("Approver of the status reports of the organisation's authority")
    # The whole portfolio, whatever the organisation: its mapping must name the one organisation
    # (the secretariat's own) whose grants count (PrivilegeMapping.authority).
    SECRETARIAT_READER = "secretariat_reader", _("Secretariat reader: reads the whole portfolio, changes nothing")


class PrivilegeMapping(models.Model):
    """A privilege granted in MitID Erhverv and the role it gives here; kept by the secretariat."""

    privilege = models.CharField(
        _("privilege"),
        max_length=300,
        unique=True,
        validators=[no_control_characters],
        help_text=_(
            "The privilege's identifier exactly as NemLog-in sends it in the privileges attribute, "
            "e.g. https://portfolio.example.org/roles/coordinator."
        ),
        error_messages={"unique": _("This privilege is mapped already.")},
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # Any organisation's MitID Erhverv administrator can grant any of the product's privileges; this
    # limits a mapping to the grants of one organisation.
    authority = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("only for logins for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The privilege counts only when granted by this authority's organisation (its CVR number). Required "
            "for the secretariat reader: choose the secretariat's own authority."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["privilege"]
        verbose_name = _("privilege mapping")
        verbose_name_plural = _("privilege mappings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="privilege_mapping_known_role",
                violation_error_message=_("Choose a role."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.SECRETARIAT_READER) | models.Q(authority__isnull=False),
                name="privilege_mapping_reader_names_its_organisation",
                violation_error_message=_(
                    "A secretariat reader privilege reads the whole portfolio: choose the one authority whose "
                    "organisation may grant it."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(privilege=""),
                name="privilege_mapping_not_empty",
                violation_error_message=_("Enter the privilege."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.privilege} → {self.get_role_display()}"


class LoginOutcome(models.TextChoices):
    LOGGED_IN = "logged_in", _("logged in")
    REFUSED = "refused", _("refused")


class LoginMethod(models.TextChoices):
    NEMLOGIN = "nemlogin", _("NemLog-in")
    PASSWORD = "password", _("password")


class LoginEvent(models.Model):
    """One login or refused login, through NemLog-in or with a password, for the secretariat's audit."""

    at = models.DateTimeField(_("when"), auto_now_add=True)
    method = models.CharField(_("method"), max_length=16, choices=LoginMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=LoginOutcome.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    cvr = models.CharField(_("CVR number"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # The user name typed at a password login (the user, when there is one, is `user`).
    username = models.CharField(_("user name given"), max_length=150, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("login")
        verbose_name_plural = _("logins")
        indexes = [models.Index(fields=["-at"], name="nemlogin_event_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"
