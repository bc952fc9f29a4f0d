from django.contrib.auth.backends import ModelBackend

from common.roles import password_login_allowed

# The backend a NemLog-in session names (auth.login's backend argument, in settings.AUTHENTICATION_BACKENDS).
NEMLOGIN_BACKEND = "nemlogin.backends.NemLoginSessionBackend"


class PortfolioModelBackend(ModelBackend):
    """Django's user and password backend, which LOCAL_LOGIN can close for all but break-glass
    administrators. Only the password check is closed: sessions are loaded as usual. django-axes,
    before it, still counts failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not password_login_allowed(user):
            return None  # recorded as refused, with wrong passwords (nemlogin.signals)
        if user is not None:
            # The login record's cue (nemlogin.signals): a password was checked, not a session forced.
            user.authenticated_by_password = True
        return user


class NemLoginSessionBackend(ModelBackend):
    """The backend a NemLog-in login opens its session with, so that the session says how the user
    logged in (the login record tells password logins from NemLog-in's by it). It checks no password:
    the assertion consumer service has checked NemLog-in's answer; it loads the session's user and
    answers for permissions as Django's backend does."""

    def authenticate(self, request, **credentials):
        return None
