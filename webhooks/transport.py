"""One HTTP POST to a receiver, to the address addresses.resolve_allowed checked (never another
that the name resolves to later), without following redirects (a redirect could lead inside)."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from urllib.parse import urlsplit

from .addresses import resolve_allowed

# What is read of a receiver's answer: only its status matters.
RESPONSE_READ_LIMIT = 64 * 1024
# An attempt's whole time, in WEBHOOK_TIMEOUT_SECONDS: connecting, sending, the answer.
ATTEMPT_STEPS = 3


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, as for any https request.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` to `url`; returns the answer's status code. Raises AddressRefused, OSError
    (refused, timed out, TLS) or http.client.HTTPException (not an HTTP answer).

    `timeout` bounds each step (connecting, each read); the whole attempt gets ATTEMPT_STEPS times
    that, so a receiver that answers a byte at a time cannot hold a worker for long."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    address = resolve_allowed(parts.hostname or "", port)
    connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address=address, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline = _Deadline(connection, seconds=timeout * ATTEMPT_STEPS)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_LIMIT)
        deadline.check()
        return response.status
    except (OSError, http.client.HTTPException):
        deadline.check()
        raise
    finally:
        deadline.cancel()
        connection.close()


class _Deadline:
    """Shuts the connection's socket down when the attempt's time is up: a read blocked on it then
    ends at once, and `check` says why."""

    def __init__(self, connection: http.client.HTTPConnection, *, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._connection = connection
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self.expired = True
        sock = self._connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def check(self) -> None:
        if self.expired:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")

    def cancel(self) -> None:
        self._timer.cancel()
