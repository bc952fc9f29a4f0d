"""gunicorn's configuration for `make serve` (production): `gunicorn -c portfolio/gunicorn_conf.py portfolio.wsgi`.

Environment: HOST and PORT (where to listen, 127.0.0.1:8000), WEB_CONCURRENCY (processes, 2 × cores + 1),
WEB_THREADS (threads per process, 4) and WEB_KEEPALIVE (seconds an idle connection stays open, 75). The portfolio's pages wait mostly on PostgreSQL, so a few threads
per process serve more people than more processes would, for less memory. Every request writes one JSON
line (method, path, status, bytes, duration) to standard error beside the application's own JSON logs.
"""

import multiprocessing
import os

from gunicorn import glogging

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)
# A page that has not answered in this long is a stuck process: it is replaced, and the log says so.
timeout = 60
# How long an idle keep-alive connection stays open (gthread keeps idle ones in its poller, not in a thread).
# Longer than the proxy's (or a client's) pause between requests: gunicorn's 2 s default closed connections
# a client was about to reuse, and the client saw "connection reset by peer" (the load test's failures).
keepalive = int(os.environ.get("WEB_KEEPALIVE") or 75)
graceful_timeout = 30
# Recycle each process now and then (staggered), so a slow leak in any library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The application is loaded once, before the processes fork: they share its memory, and a broken
# configuration stops the server at start rather than in every process.
preload_app = True
accesslog = "-"
errorlog = "-"
# Behind a proxy that terminates TLS: trust its X-Forwarded-* headers (set FORWARDED_ALLOW_IPS to its address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    "datefmt": "%Y-%m-%dT%H:%M:%S%z",
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": JSON_FORMATTER},
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}


class JsonAccessLogger(glogging.Logger):
    """One access line per request with its parts as JSON fields, rather than one Apache-style string
    (which a log shipper would have to parse back). No query string: it can carry search terms."""

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        self.access_log.info(
            "request",
            extra={
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "status": int(status),
                # What was written, or with sendfile (static files) the length the response declared.
                "bytes": getattr(resp, "sent", None) or getattr(resp, "response_length", None),
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "remote": environ.get("REMOTE_ADDR"),
            },
        )


logger_class = JsonAccessLogger
