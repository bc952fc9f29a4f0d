import datetime
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from digests.delivery import deliveries_send
from digests.models import DeliveryStatus, DigestDelivery
from digests.schedule import build_digests, due_date, receiving_subscriptions, schedule_digests
from digests.subscriptions import subscriptions_ensure_defaults

# Transient SMTP failures get this many more rounds here, after these pauses (seconds).
RETRY_PAUSES = (2, 5, 15)


class Command(BaseCommand):
    help = (
        "Build and send the digest emails due on a date (default today), as the 06:00 beat task does. "
        "Each recipient gets at most one digest per date: running it again sends nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD; default today (Copenhagen time)")
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent; send and store nothing")
        parser.add_argument("--to", metavar="USERNAME", help="only this user's digest")

    def handle(self, *args, date, dry_run, to, **options):
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be a date written YYYY-MM-DD, e.g. 2026-11-30; got {date!r}") from None
        else:
            day = timezone.localdate()
        if to and not get_user_model().objects.filter(username=to).exists():
            raise CommandError(f"--to: there is no user with the user name {to!r}")
        if dry_run:
            self._dry_run(day, to)
            return
        started = time.monotonic()
        result = schedule_digests(today=day, username=to, catch_up=not date)
        dates = ", ".join(d.isoformat() for d in result.dates)
        self.stdout.write(
            f"Digests for {dates}: {result.created} built ({result.skipped} with nothing to tell), "
            f"{result.already_there} already there, {result.pending} to send."
        )
        report = deliveries_send(result.pending_ids, final_attempt=False)
        sent, failed, unknown = report.sent, report.failed, list(report.unknown)
        for pause in RETRY_PAUSES:
            if not report.retry:
                break
            self.stdout.write(f"{len(report.retry)} hit a transient mail-server error; retrying in {pause} s.")
            time.sleep(pause)
            report = deliveries_send(report.retry, final_attempt=pause == RETRY_PAUSES[-1])
            sent, failed, unknown = sent + report.sent, failed + report.failed, unknown + report.unknown
        failed += len(report.retry)
        style = self.style.SUCCESS if not failed and not unknown else self.style.WARNING
        self.stdout.write(style(
            f"Sent {sent}, failed {failed}, outcome unknown {len(unknown)}, in {time.monotonic() - started:.1f} s."
        ))
        if failed:
            for delivery in DigestDelivery.objects.filter(
                date__in=result.dates, status=DeliveryStatus.FAILED
            ).select_related("recipient"):
                self.stdout.write(f"  failed: {delivery.recipient.get_username()} <{delivery.to_address}>: {delivery.error}")
        if unknown:
            self._report_unknown(unknown)

    def _report_unknown(self, ids: list[int]) -> None:
        self.stdout.write(self.style.WARNING(
            "Outcome unknown: the whole message reached the mail server but its answer never came, so it may have "
            "been delivered. Not sent again. Look each Message-ID up in the mail server's log; if it is not there, "
            "send it again from the admin (Summary deliveries, action \"Send again\")."
        ))
        for delivery in DigestDelivery.objects.filter(pk__in=ids).select_related("recipient"):
            self.stdout.write(
                f"  outcome unknown: {delivery.recipient.get_username()} <{delivery.to_address}> "
                f"Message-ID {delivery.message_id}: {delivery.error}"
            )

    def _dry_run(self, day: datetime.date, to: str | None) -> None:
        # Coordinators and the secretariat are subscribed by default; the real run does this too.
        created = subscriptions_ensure_defaults()
        if created:
            self.stdout.write(f"{created} default subscriptions created for coordinators and the secretariat.")
        subscriptions = [
            s for s in receiving_subscriptions(to) if due_date(s, [day]) is not None
        ]
        if to and not subscriptions:
            self.stdout.write(f"{to} has no digest due on {day} (no subscription, turned off, no address, or weekly).")
            return
        done = set(
            DigestDelivery.objects.filter(date=day, recipient_id__in=[s.user_id for s in subscriptions]).values_list(
                "recipient_id", flat=True
            )
        )
        would_send = 0
        for built in build_digests(subscriptions, date=day):
            user = built.subscription.user
            if user.pk in done:
                verdict = "already handled for this date: nothing to send"
            elif built.rendered is None:
                verdict = "nothing changed: would not send"
            else:
                verdict = "would send"
                would_send += 1
            self.stdout.write(
                f"{user.get_username()} <{user.email}> [{built.subscription.language}] "
                f"{built.digest.change_count} changes: {verdict}"
            )
            if built.rendered is not None and user.pk not in done:
                self.stdout.write(f"  Subject: {built.rendered.subject}")
                if to:
                    self.stdout.write(built.rendered.text)
        self.stdout.write(f"Dry run for {day}: {would_send} of {len(subscriptions)} would be sent; nothing stored.")
