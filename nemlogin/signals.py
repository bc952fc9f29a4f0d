"""Password logins and refused ones go into the login record. The signals only report; the record
is written by nemlogin.services. (NemLog-in's logins and refusals are recorded by its assertion
consumer service, which knows the CVR number and why.)"""

from django.contrib.auth.signals import user_logged_in, user_login_failed

from .services import password_login_record, password_refusal_record


def logged_in(sender, request, user, **kwargs) -> None:
    # Only a user the password backend authenticated (nemlogin.backends): a login page can still turn
    # one away after the password (the admin's, for a user who is not staff), and then nobody logged in.
    if getattr(user, "authenticated_by_password", False):
        password_login_record(user=user)


def login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    # django-axes marks a request it refused because of the lock-out.
    password_refusal_record(
        username=credentials.get("username", ""), locked_out=bool(getattr(request, "axes_locked_out", False))
    )


def connect() -> None:
    user_logged_in.connect(logged_in, dispatch_uid="nemlogin-password-login-record")
    user_login_failed.connect(login_failed, dispatch_uid="nemlogin-password-refusal-record")
