"""Personal API tokens: made, listed and revoked by their owner (knox keeps only a hash of each).

Each making and revoking is written to the admin's log (who, when, which token by its prefix, its expiry),
so the secretariat can see when a token came and went after the record itself is gone.
"""

import datetime

from django.conf import settings
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.db import transaction
from knox.models import AuthToken


def token_create(*, user, days: int) -> tuple[AuthToken, str]:
    """A new token for `user`, valid for `days` (one of API_TOKEN_DAYS_CHOICES). Returns the stored record
    and the token itself, which exists nowhere else: it is shown to its owner once."""
    if days not in settings.API_TOKEN_DAYS_CHOICES:
        raise ValueError(f"days must be one of {settings.API_TOKEN_DAYS_CHOICES}")
    with transaction.atomic():
        record, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(days=days))
        LogEntry.objects.log_actions(
            user.pk, [record], ADDITION,
            change_message=f"API token {record.token_key} made, expires {record.expiry:%d.%m.%Y %H:%M}",
            single_object=True,
        )
    return record, token


def token_revoke(*, user, token_key: str) -> bool:
    """Revoke one of `user`'s own tokens, named by the prefix the list shows; False when they have none such."""
    with transaction.atomic():
        records = list(AuthToken.objects.filter(user=user, token_key=token_key).select_for_update().order_by())
        if not records:
            return False
        LogEntry.objects.log_actions(
            user.pk, records, DELETION, change_message=f"API token {token_key} revoked", single_object=True
        )
        AuthToken.objects.filter(pk__in=[record.pk for record in records]).delete()
    return True


def tokens_of(user):
    """The user's tokens, newest first (expired ones too, until knox removes them on their next use)."""
    return AuthToken.objects.filter(user=user).order_by("-created")
