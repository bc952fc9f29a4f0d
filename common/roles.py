"""The two staff roles as Django groups, with their model permissions.

Coordinators get model permissions for what they maintain; which rows they may touch is decided
per object by the models' QuerySet methods (`visible_to`, `editable_by`), never by these permissions alone.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

SECRETARIAT = "Secretariat"
COORDINATORS = "Coordinators"

SECRETARIAT_APPS = [
    "authorities", "strategies", "initiatives", "funding", "benefits", "summaries", "reporting", "digests", "webhooks", "auth",
]

COORDINATOR_PERMISSIONS = [
    ("initiatives", "view_initiative"),
    ("initiatives", "add_initiative"),
    ("initiatives", "change_initiative"),
    ("initiatives", "view_participation"),
    ("initiatives", "add_participation"),
    ("initiatives", "change_participation"),
    ("initiatives", "delete_participation"),
    ("initiatives", "view_milestone"),
    ("initiatives", "add_milestone"),
    ("initiatives", "change_milestone"),
    ("initiatives", "delete_milestone"),
    ("initiatives", "view_dependency"),
    ("initiatives", "add_dependency"),
    ("initiatives", "change_dependency"),
    ("initiatives", "delete_dependency"),
    ("funding", "view_fundingyear"),
    ("funding", "add_fundingyear"),
    ("funding", "change_fundingyear"),
    ("funding", "delete_fundingyear"),
    ("funding", "view_fundingshare"),
    ("funding", "add_fundingshare"),
    ("funding", "change_fundingshare"),
    ("funding", "delete_fundingshare"),
    ("funding", "view_rephasing"),
    ("funding", "add_rephasing"),
    ("benefits", "view_benefit"),
    ("benefits", "add_benefit"),
    ("benefits", "change_benefit"),
    ("benefits", "delete_benefit"),
    ("benefits", "view_followup"),
    ("benefits", "change_followup"),
    ("authorities", "view_authority"),
    ("authorities", "change_authority"),
    # Status reports of the initiatives they lead, and requests for new baselines (reporting).
    ("reporting", "view_statusreport"),
    ("reporting", "change_statusreport"),
    ("reporting", "view_rebaselinerequest"),
    ("reporting", "add_rebaselinerequest"),
    ("reporting", "view_baselineversion"),
    # Read-only, for choosing an initiative's strategy and focus area (public reference data).
    ("strategies", "view_strategy"),
    ("strategies", "view_focusarea"),
]


def is_secretariat(user) -> bool:
    """The one answer to "is this the secretariat?": active superusers and active members of the
    Secretariat group see and edit everything. Inactive users are nobody."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_secretariat", None)
    if cached is None:
        # Cached on the request's user object: asked many times per admin page.
        cached = user.groups.filter(name=SECRETARIAT).exists()
        user._is_secretariat = cached
    return cached


def secretariat_users():
    """The users `is_secretariat` says yes to, as a QuerySet (whom the secretariat's messages go to)."""
    return get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=SECRETARIAT), is_active=True
    ).distinct()


def ensure_roles() -> tuple[Group, Group]:
    """Create or refresh the Secretariat and Coordinators groups (idempotent)."""
    secretariat, _ = Group.objects.get_or_create(name=SECRETARIAT)
    secretariat.permissions.set(Permission.objects.filter(content_type__app_label__in=SECRETARIAT_APPS))
    coordinators, _ = Group.objects.get_or_create(name=COORDINATORS)
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in COORDINATOR_PERMISSIONS
    ]
    coordinators.permissions.set(permissions)
    return secretariat, coordinators
