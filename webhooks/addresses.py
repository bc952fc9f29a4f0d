"""Where a webhook may point: an http(s) URL, to an allowed host, never (in production) to a
private, loopback or link-local address. A hostile URL could otherwise make the worker call the
inside of the network (SSRF).

Checked twice: when a hook is saved (the URL's form, an allowed host, a literal address) and before
every attempt (the name as it resolves then; the connection goes to the address checked, so a DNS
answer that changes between check and connect changes nothing).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

_url_validator = URLValidator(schemes=["http", "https"])


class AddressRefused(Exception):
    """The webhook's host resolves to an address it may not be sent to (or does not resolve)."""


def webhook_url_errors(url: str) -> list[str]:
    """Why `url` cannot be a webhook's address (empty: it can), in the reader's language."""
    try:
        _url_validator(url)
    except ValidationError:
        return [_("Enter an http:// or https:// address.")]
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port beyond 65535, which the URL validator lets through
    except ValueError:
        return [_("Enter an http:// or https:// address.")]
    if parts.username or parts.password:
        return [_("The address must not contain a user name or password.")]
    host = (parts.hostname or "").lower()
    allowed = settings.WEBHOOK_ALLOWED_HOSTS
    if allowed and host not in allowed:
        return [_("%(host)s is not among the hosts webhooks may be sent to (WEBHOOK_ALLOWED_HOSTS).") % {"host": host}]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return []
    if not address_allowed(address):
        return [_("%(address)s is a private or local address; webhooks are not sent there.") % {"address": host}]
    return []


def address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A public address, or any address where WEBHOOK_ALLOW_PRIVATE_ADDRESSES (development) says so."""
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve_allowed(host: str, port: int) -> str:
    """An address of `host` to connect to; AddressRefused when it has none that is allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"{host} does not resolve: {error}") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if not address_allowed(ipaddress.ip_address(address.split("%", 1)[0])):
            # One private answer refuses the host: a name that mixes them is not to be trusted.
            raise AddressRefused(f"{host} resolves to {address}, a private or local address")
    if not addresses:
        raise AddressRefused(f"{host} does not resolve")
    return addresses[0]
