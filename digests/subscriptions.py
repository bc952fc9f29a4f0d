"""Who gets which digest: subscriptions (the default ones included) and the signed one-click
unsubscribe links."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, Coordinator
from common.roles import COORDINATORS, SECRETARIAT, is_secretariat
from initiatives.models import Initiative
from strategies.models import Strategy
from summaries.models import InitiativeSummary

from .models import Subscription, SubscriptionFrequency, SubscriptionScope

# Every unsubscribe link already sent is signed with this value (it names the module the links were
# first made in): changing it would break them all.
UNSUBSCRIBE_SALT = "portfolio.notifications.unsubscribe"  # unchanged since the first links were sent
# How long an unsubscribe link works. Long enough for an old email in the inbox; after that the
# page asks the user to log in and change the setting there.
UNSUBSCRIBE_MAX_AGE = datetime.timedelta(days=getattr(settings, "DIGEST_UNSUBSCRIBE_MAX_AGE_DAYS", 90))


def _at_risk_now() -> list[int]:
    """The initiatives at risk per the engine's summaries now (one indexed query)."""
    return sorted(InitiativeSummary.objects.filter(at_risk=True).values_list("initiative_id", flat=True))


def _mark_subscribed(subscription: Subscription, *, at_risk: list[int] | None = None) -> None:
    """Record the moment and the risks a first digest compares against (not saved here)."""
    subscription.baseline_at = timezone.now()
    subscription.baseline_at_risk = _at_risk_now() if at_risk is None else at_risk


def _coordinated(user: User) -> list[int]:
    # Asked afresh, not through authorities.coordinated_authority_ids(): that answer is cached on the
    # user object, and a subscription is ensured right after an assignment the cache has not seen.
    return list(Coordinator.objects.filter(user=user).values_list("authority_id", flat=True))


def _default_scope(user: User, authority_ids: list[int]) -> str | None:
    """What a user's default subscription covers: the whole portfolio for the secretariat, their
    authorities for a coordinator; None for anyone else (they get no digest unless they ask)."""
    if is_secretariat(user):
        return SubscriptionScope.PORTFOLIO
    if authority_ids:
        return SubscriptionScope.AUTHORITIES
    return None


@transaction.atomic
def subscription_ensure_default(user: User, *, at_risk: list[int] | None = None) -> Subscription | None:
    """Give a coordinator a subscription for their authorities and the secretariat one for the
    whole portfolio, unless they have one. An existing authorities subscription gains newly
    coordinated authorities; any other choice the user made is left alone."""
    authority_ids = _coordinated(user)
    subscription = Subscription.objects.filter(user=user).first()
    if subscription is not None:
        if subscription.scope == SubscriptionScope.AUTHORITIES and authority_ids:
            subscription.authorities.add(*authority_ids)
        return subscription
    scope = _default_scope(user, authority_ids)
    if scope is None:
        return None
    subscription = Subscription(user=user, scope=scope)
    _mark_subscribed(subscription, at_risk=at_risk)
    subscription.save()
    if authority_ids:
        subscription.authorities.add(*authority_ids)
    return subscription


def default_subscription(user: User) -> tuple[Subscription, list[int]]:
    """The subscription a user without one would be given, unsaved, with the authorities it covers
    (a user who would get none is shown one that is off)."""
    authority_ids = _coordinated(user)
    scope = _default_scope(user, authority_ids)
    if scope is None:
        subscription = Subscription(user=user, scope=SubscriptionScope.STRATEGIES, frequency=SubscriptionFrequency.OFF)
    else:
        subscription = Subscription(user=user, scope=scope, frequency=SubscriptionFrequency.DAILY)
    return subscription, authority_ids


def subscriptions_ensure_defaults() -> int:
    """Default subscriptions for every coordinator and secretariat member without one (each run:
    so a coordinator created in the admin is subscribed too). Returns how many were created."""
    users = list(
        get_user_model()
        .objects.filter(
            Q(groups__name__in=[COORDINATORS, SECRETARIAT]) | Q(coordinator_roles__isnull=False),
            is_active=True,
            digest_subscription__isnull=True,
        )
        .distinct()
    )
    if not users:
        return 0
    at_risk = _at_risk_now()
    created = 0
    for user in users:
        if subscription_ensure_default(user, at_risk=at_risk) is not None:
            created += 1
    return created


@transaction.atomic
def subscription_update(
    *,
    subscription: Subscription,
    scope: str,
    frequency: str,
    language: str,
    send_when_empty: bool,
    authorities: Iterable[Authority] = (),
    strategies: Iterable[Strategy] = (),
    initiatives: Iterable[Initiative] = (),
) -> Subscription:
    if subscription.frequency == SubscriptionFrequency.OFF and frequency != SubscriptionFrequency.OFF:
        _mark_subscribed(subscription)  # back on: the first digest starts from now
    subscription.scope = scope
    subscription.frequency = frequency
    subscription.language = language
    subscription.send_when_empty = send_when_empty
    subscription.full_clean()
    subscription.save()
    subscription.authorities.set(list(authorities))
    subscription.strategies.set(list(strategies))
    subscription.initiatives.set(list(initiatives))
    return subscription


def subscription_for(user: User) -> Subscription:
    """The user's subscription, created (off, or the default) when they have none yet."""
    subscription = subscription_ensure_default(user)
    if subscription is None:
        subscription, _created = Subscription.objects.get_or_create(
            user=user, defaults={"frequency": SubscriptionFrequency.OFF, "scope": SubscriptionScope.STRATEGIES}
        )
    return subscription


def subscription_unsubscribe(*, user: User) -> Subscription:
    """Stop the user's digests (idempotent)."""
    subscription, _created = Subscription.objects.get_or_create(
        user=user, defaults={"frequency": SubscriptionFrequency.OFF}
    )
    if subscription.frequency != SubscriptionFrequency.OFF:
        subscription.frequency = SubscriptionFrequency.OFF
        subscription.save(update_fields=["frequency", "updated_at"])
    return subscription


def _unsubscribe_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """A signed, dated token naming the user; the token is the authorisation to unsubscribe."""
    return _unsubscribe_signer().sign(str(user.pk))


def unsubscribe_url(user: User) -> str:
    return settings.SITE_URL + reverse("unsubscribe", kwargs={"token": unsubscribe_token(user)})


def user_from_unsubscribe_token(token: str) -> User:
    """The user a token names. Raises signing.SignatureExpired (too old), signing.BadSignature
    (tampered) or User.DoesNotExist."""
    user_id = _unsubscribe_signer().unsign(token, max_age=UNSUBSCRIBE_MAX_AGE)
    return get_user_model().objects.get(pk=int(user_id))
