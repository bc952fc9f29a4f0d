"""Refused password logins go into the login record. The signal only reports; the record is
written by nemlogin.services. (A password login that succeeds is recorded by the password backend,
nemlogin.backends; NemLog-in's logins and refusals by its assertion consumer service, which knows the
CVR number and why.)"""

from django.contrib.auth.signals import user_login_failed

from .services import password_refusal_record


def login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    # django-axes marks a request it refused because of the lock-out.
    password_refusal_record(
        username=credentials.get("username", ""), locked_out=bool(getattr(request, "axes_locked_out", False))
    )


def connect() -> None:
    user_login_failed.connect(login_failed, dispatch_uid="nemlogin-password-refusal-record")
