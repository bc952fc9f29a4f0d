"""The Celery app and its beat schedule.

Broker: REDIS_URL. Without it, settings make every task run in-process (eager), so the
embedded default needs no worker. Tasks only take JSON-serialisable arguments.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

app = Celery("portfolio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # The nightly safety net: recompute every summary from scratch. 04:30 Copenhagen time is
    # clear of the daylight-saving switch (02:00-03:00), so it runs exactly once every night.
    "recompute-all-summaries-nightly": {
        "task": "summaries.tasks.recompute_all_summaries",
        "schedule": crontab(hour=4, minute=30),
    },
    # Catch up on changes whose recompute could not be enqueued (broker down when they
    # committed): the durable dirty markers in the database say what is owed.
    "sweep-dirty-summaries": {
        "task": "summaries.tasks.sweep_dirty_summaries",
        "schedule": 60.0,
    },
    # The morning digest emails, scheduled per recipient; durable state makes each one go
    # out at most once even if this fires twice.
    "send-daily-digests": {
        "task": "digests.tasks.schedule_daily_digests",
        "schedule": crontab(hour=6, minute=0),
    },
    # Escalate the risks whose linked dependency agreement went unanswered past its needed-by date
    # overnight (a step of an agreement escalates at once; a date passing needs this). 04:45
    # Copenhagen time is clear of the daylight-saving switch; running twice changes nothing more.
    "escalate-risks-nightly": {
        "task": "risks.tasks.escalate_risks",
        "schedule": crontab(hour=4, minute=45),
    },
    # Reminders of the status reports owed on a reporting cycle's reminder days; durable state
    # makes each go out at most once even if this fires twice.
    "send-report-reminders": {
        "task": "digests.tasks.send_report_reminders",
        "schedule": crontab(hour=6, minute=5),
    },
    # Send the webhook deliveries that are due and no queued task will send (broker down when they
    # were recorded, a worker died mid-attempt): the outbox rows in the database say what is owed.
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_webhooks",
        "schedule": 60.0,
    },
    # Delete access-log records past ACCESS_LOG_RETENTION_MONTHS (13 by default). Nightly is enough:
    # a record is kept at most a day beyond its retention. 03:45 Copenhagen time is clear of the
    # daylight-saving switch, so it runs once a night; running twice deletes nothing more.
    "purge-access-log": {
        "task": "accesslog.tasks.purge_access_log",
        "schedule": crontab(hour=3, minute=45),
    },
}
