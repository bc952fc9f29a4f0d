"""Signing a delivery: HMAC-SHA256 with the hook's secret over `timestamp + "." + body`, so a
receiver can check both that the body is ours and that it is fresh (README: *Webhooks*)."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Portfolio-Signature"
TIMESTAMP_HEADER = "X-Portfolio-Timestamp"
EVENT_HEADER = "X-Portfolio-Event"
DELIVERY_HEADER = "X-Portfolio-Delivery"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` over the timestamp (Unix seconds), a dot and the exact body bytes."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(*, secret: str, timestamp: int, body: bytes, event: str, event_id: str) -> dict[str, str]:
    """The headers of one attempt: what it is, when it was signed, and the signature."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Strategiportefolje-Webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret=secret, timestamp=timestamp, body=body),
    }
