from celery import shared_task

from .services import access_log_purge


@shared_task
def purge_access_log() -> int:
    """Delete the access-log records past the retention (beat, nightly). Idempotent."""
    return access_log_purge()
