"""`/healthz`: is this web process able to serve? For load balancers, uptime checks and `make serve`'s operator.

It checks what every page needs: the database answers a query, and the broker that carries the
recompute and email tasks answers a ping (with no REDIS_URL tasks run in-process, so there is no broker to
lose). 200 when all answer, 503 naming the one that did not; the body is JSON, never cached, and says
nothing beyond each check's state and time (no addresses, no error text an outsider could use).
"""

import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# A health check that waits long for a dead service is itself a problem: the balancer's own timeout wins.
BROKER_TIMEOUT_SECONDS = 2


def _timed(check) -> dict:
    started = time.perf_counter()
    state = check()
    return {"state": state, "ms": round((time.perf_counter() - started) * 1000, 1)}


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unavailable"
    return "ok"


def broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=BROKER_TIMEOUT_SECONDS, socket_timeout=BROKER_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return "unavailable"
    return "ok"


@never_cache
@require_safe
def healthz(request):
    checks = {"database": _timed(database_state), "broker": _timed(broker_state)}
    healthy = all(check["state"] in {"ok", "in-process"} for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503)
