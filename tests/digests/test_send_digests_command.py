"""`manage.py send_digests`: the same service by hand; a second run sends nothing."""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from digests.models import DigestDelivery

from .builders import DAY, travel

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    with travel(DAY, 7):
        call_command("send_digests", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_what_would_be_sent_and_sends_and_stores_nothing(portfolio):
    output = run("--date", "2026-11-27", "--dry-run")
    assert "kk-coordinator <kk@example.invalid> [en]" in output
    assert "analyst <analyst@example.invalid> [da]" in output
    assert "Subject: Strategy portfolio 27.11.2026" in output
    assert "2 of 2 would be sent; nothing stored" in output
    assert mail.outbox == []
    assert not DigestDelivery.objects.exists()


def test_a_dry_run_for_one_user_prints_the_text_of_their_summary(portfolio):
    output = run("--dry-run", "--to", "kk-coordinator")
    assert "Citizen service" in output and "Unsubscribe with one click:" in output
    assert "analyst" not in output


def test_it_sends_each_subscriber_one_summary_and_nothing_when_run_again(portfolio):
    first = run()
    assert "Sent 2, failed 0" in first
    assert sorted(m.to[0] for m in mail.outbox) == ["analyst@example.invalid", "kk@example.invalid"]

    second = run()
    assert "0 built" in second and "2 already there" in second and "Sent 0, failed 0" in second
    assert len(mail.outbox) == 2


def test_it_sends_only_to_the_user_named(portfolio):
    output = run("--to", "analyst")
    assert "Sent 1" in output
    assert [m.to for m in mail.outbox] == [["analyst@example.invalid"]]
    # The coordinator's summary for the day is still to come.
    run()
    assert sorted(m.to[0] for m in mail.outbox) == ["analyst@example.invalid", "kk@example.invalid"]


@pytest.mark.parametrize("value", ["27-11-2026", "2026-13-01", "tomorrow"])
def test_a_bad_date_is_refused(portfolio, value):
    with pytest.raises(CommandError, match=f"--date must be a date written YYYY-MM-DD, e.g. 2026-11-30; got '{value}'"):
        run("--date", value)
    assert not DigestDelivery.objects.exists()


@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)])
def test_an_unknown_user_is_refused(portfolio, dry_run):
    with pytest.raises(CommandError, match="--to: there is no user with the user name 'nobody'"):
        run("--to", "nobody", *dry_run)
    assert mail.outbox == [] and not DigestDelivery.objects.exists()
