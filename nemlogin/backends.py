from django.conf import settings
from django.contrib.auth.backends import ModelBackend


def local_login_allowed(user) -> bool:
    """With LOCAL_LOGIN=break-glass only superusers (the secretariat's break-glass administrators) log
    in with a password; everyone else logs in through NemLog-in."""
    return settings.LOCAL_LOGIN == "everyone" or user.is_superuser


class PortfolioModelBackend(ModelBackend):
    """Django's user and password backend, which LOCAL_LOGIN can close for all but break-glass
    administrators. Only the password check is closed: a session opened by NemLog-in (which logs in
    through this backend too) is loaded as usual. django-axes, before it, still counts failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not local_login_allowed(user):
            return None
        return user
