"""The user name django-axes records for a login attempt: the name typed, cut to the length its
log can hold. A name longer than any user's fails to log in as always, and is still counted."""

AXES_USERNAME_MAX_LENGTH = 255  # axes' AccessAttempt.username


def attempted_username(request, credentials: dict | None = None) -> str | None:
    from django.conf import settings

    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:AXES_USERNAME_MAX_LENGTH] if isinstance(username, str) else username
