"""Logging in with garbage answers like any failed login (issue: hardening, 6): a user name longer
than the lock-out's log can hold is refused with the login form, on SQLite and PostgreSQL."""

import pytest
from axes.models import AccessAttempt


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
@pytest.mark.parametrize("length", [256, 300, 10_000])
def test_an_overlong_user_name_is_a_failed_login_not_an_error(client, analyst, path, length):
    response = client.post(path, {"username": "x" * length, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "x" * 255 and attempt.failures_since_start == 1
