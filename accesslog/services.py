"""Writing the access log, purging it after the retention, and the data subject's export."""

import csv
import datetime
import io
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheets import safe_cell

from .models import PersonalDataAccess, Purpose


def access_record(*, viewer: AbstractBaseUser, subject_ids: Iterable[int], purpose: Purpose) -> int:
    """Log that `viewer` was shown the data of each of `subject_ids` (one record each, one insert).

    A user looking at their own data is not logged: the log answers "who else saw my data". Returns
    the number of records written."""
    now = timezone.now()
    records = [
        PersonalDataAccess(viewer_id=viewer.pk, subject_id=subject_id, viewed_at=now, purpose=purpose)
        for subject_id in sorted(set(subject_ids) - {viewer.pk})
    ]
    PersonalDataAccess.objects.bulk_create(records)
    return len(records)


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Records from before this moment are past the retention."""
    return (now or timezone.now()) - relativedelta(months=settings.ACCESS_LOG_RETENTION_MONTHS)


def access_log_purge() -> int:
    """Delete the records past the retention; returns how many. Idempotent.

    The database refuses to delete a record younger than 13 months by its own clock; the retention
    is never shorter (settings), so every record this deletes is one it lets go."""
    deleted, _by_model = PersonalDataAccess.objects.older_than(retention_cutoff()).delete()
    return deleted


def subject_access_export(*, subject: AbstractBaseUser, requested_by: AbstractBaseUser) -> str:
    """The data subject's copy of the log as CSV: when their data was seen and why, oldest first,
    without who saw it. The export is itself a view of their data and is logged first, in the same
    transaction, so it lists itself."""
    with transaction.atomic():
        access_record(viewer=requested_by, subject_ids=[subject.pk], purpose=Purpose.SUBJECT_EXPORT)
        rows = list(
            PersonalDataAccess.objects.for_subject(subject).order_by("viewed_at", "pk").values_list("viewed_at", "purpose")
        )
    labels = dict(Purpose.choices)
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Date"), _("Time (Danish time)"), _("Purpose")])
    for viewed_at, purpose in rows:
        local = timezone.localtime(viewed_at, timezone.get_default_timezone())
        writer.writerow(
            [safe_cell(local.date().isoformat()), local.strftime("%H:%M"), safe_cell(str(labels.get(purpose, purpose)))]
        )
    return output.getvalue()
