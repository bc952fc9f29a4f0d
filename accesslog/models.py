"""The log of views of people's data: who saw whose data, when and why.

Append-only: the database refuses UPDATE, and DELETE of a record younger than the minimum retention
(accesslog/triggers.py). The purge (services.access_log_purge) deletes only older records.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The law's floor for keeping the log, and the database triggers' too: a record younger than this
# cannot be deleted by anyone going through SQL (ACCESS_LOG_RETENTION_MONTHS may only be longer).
MINIMUM_RETENTION_MONTHS = 13


class Purpose(models.TextChoices):
    """Why a person's data was shown; a data subject's export tells them this, not who looked."""

    USER_PROFILE = "user_profile", _("User administration: the user's profile")
    USER_HISTORY = "user_history", _("User administration: the history of the user's profile")
    COORDINATOR_PROFILE = "coordinator_profile", _("User administration: the user's assignment as coordinator")
    COORDINATOR_LIST = "coordinator_list", _("User administration: the list of coordinators")
    USER_LIST = "user_list", _("User administration: the list of users")
    AUTHORITY_COORDINATORS = "authority_coordinators", _("Authority administration: the authority's coordinators")
    SUMMARY_PREVIEW = "summary_preview", _("Summary emails: the secretariat's preview of the user's summary")
    RECENT_CHANGES_BY_USER = "recent_changes_by_user", _("Change history: the changes the user made")
    APPROVER_LIST = "approver_list", _("Reporting administration: the approvers of status reports")
    STATUS_REPORT_PEOPLE = "status_report_people", _("Status reports: who wrote, submitted, approved or reviewed a report")
    LOGIN_RECORD = "login_record", _("Security: the record of logins")
    SUBJECT_EXPORT = "subject_export", _("Data subject's request: export of this log")


class PersonalDataAccessQuerySet(models.QuerySet):
    def for_subject(self, user):
        return self.filter(subject_id=user.pk)

    def older_than(self, moment):
        return self.filter(viewed_at__lt=moment)


class PersonalDataAccess(models.Model):
    """One view of one person's data by another user."""

    # Plain references, no foreign-key constraint and nothing done on delete: deleting a user must
    # neither cascade into nor be blocked by records the database will not let anyone change. A
    # deleted user's records keep their number until the retention purges them.
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
        verbose_name=_("viewer"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
        verbose_name=_("data subject"),
    )
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("access to personal data")
        verbose_name_plural = _("access log for personal data")
        indexes = [
            models.Index(fields=["subject", "viewed_at"], name="accesslog_subject_when"),
            models.Index(fields=["viewed_at"], name="accesslog_when"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=Purpose.values),
                name="accesslog_known_purpose",
                violation_error_message=_("Unknown purpose."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.viewed_at:%Y-%m-%d %H:%M} {self.purpose}"
