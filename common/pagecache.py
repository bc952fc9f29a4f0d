"""Caching what a page or an API list shows, keyed by everything that changes it.

`remember(namespace, parts, version=…, compute=…)` returns what `compute()` returned the last time it was
asked with the same parts, language and data version, else computes and stores it. The version is the
caller's stamp of the data, asked for first (summaries.freshness.portfolio_version for the portfolio): read *before* the data,
it changes with every committed write and every recompute, so an entry is never served after the data it
was computed from changed; an entry made from data newer than its stamp is only ever read under that stamp.

What goes in: figures that do not depend on who asks, or, where visibility differs, `parts` that carry the
asker's scope (never a user's name, a CSRF token or anything else personal). Entries expire after
PAGE_CACHE_SECONDS anyway, which only bounds the memory they take.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

T = TypeVar("T")

PREFIX = "pagecache"


def cache_key(namespace: str, parts: Iterable, *, version: str) -> str:
    """The entry's key: namespace, the parts, the active language and the data version, hashed (keys are short)."""
    text = "\x1f".join(str(part) for part in (*parts, get_language() or "", version))
    return f"{PREFIX}:{namespace}:{hashlib.sha256(text.encode()).hexdigest()}"


def enabled() -> bool:
    # Inside a transaction the stamp need not move with this transaction's own later writes, and what is
    # read there may never commit: only committed data is cached.
    return bool(settings.PAGE_CACHE_SECONDS) and not transaction.get_connection().in_atomic_block


class _Version:
    """The portfolio's data version, registered by the app that keeps it (summaries, a higher layer)."""

    source: Callable[[], str] | None = None


def register_version(source: Callable[[], str]) -> None:
    _Version.source = source


def fragment_key(namespace: str, parts: Iterable) -> str | None:
    """A key for a template's `{% cache %}` of a fragment that depends only on the portfolio data and
    `parts` (with the language and the data version added), or None when nothing may be cached now."""
    if not enabled() or _Version.source is None:
        return None
    return cache_key(namespace, parts, version=_Version.source())


def remember(namespace: str, parts: Iterable, *, version: Callable[[], str], compute: Callable[[], T]) -> T:
    """What compute() gives for these parts at the data version `version()` names, from the cache when it
    has it. With the cache off (PAGE_CACHE_SECONDS=0) neither is asked: no query is added."""
    seconds = settings.PAGE_CACHE_SECONDS
    if not enabled():
        return compute()
    key = cache_key(namespace, parts, version=version())
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, seconds)
    return value
