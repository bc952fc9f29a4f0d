"""The staff roles as Django groups, with their model permissions.

Coordinators get model permissions for what they maintain; which rows they may touch is decided
per object by the models' QuerySet methods (`visible_to`, `editable_by`), never by these permissions alone.
The secretariat's readers get view permissions only: they see every row (`reads_everything`) and,
with no write permission and no authority of their own, change none.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

SECRETARIAT = "Secretariat"
COORDINATORS = "Coordinators"
SECRETARIAT_READERS = "Secretariat readers"

SECRETARIAT_APPS = ["authorities", "strategies", "initiatives", "agreements", "risks", "funding", "benefits", "summaries", "reporting", "digests", "webhooks", "auth"]
# The portfolio's records; not the users, their email settings or the logs about them.
READER_APPS = ["authorities", "strategies", "initiatives", "agreements", "risks", "funding", "benefits", "summaries", "reporting"]

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
    # Risks of the initiatives their authority leads or owns (risks.models.RiskQuerySet.editable_by).
    ("risks", "view_risk"),
    ("risks", "add_risk"),
    ("risks", "change_risk"),
    ("risks", "delete_risk"),
    # Dependency agreements their authority is party to; the round's services decide who may answer.
    ("agreements", "view_agreement"),
    ("agreements", "view_agreementtransition"),
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


def _role_groups(user) -> frozenset[str]:
    cached = getattr(user, "_role_groups", None)
    if cached is None:
        # Cached on the request's user object: asked many times per admin page.
        cached = frozenset(
            user.groups.filter(name__in=[SECRETARIAT, SECRETARIAT_READERS]).values_list("name", flat=True)
        )
        user._role_groups = cached
    return cached


def is_secretariat(user) -> bool:
    """The one answer to "is this the secretariat?": active superusers and active members of the
    Secretariat group see and edit everything. Inactive users are nobody."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or SECRETARIAT in _role_groups(user)


def reads_everything(user) -> bool:
    """The one answer to "does this user see the whole portfolio?": the secretariat, and the
    secretariat's readers (the Secretariat readers group), who change nothing. Every write right
    asks is_secretariat or the authorities the user coordinates, never this."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return is_secretariat(user) or SECRETARIAT_READERS in _role_groups(user)


def password_login_for_everyone() -> bool:
    """False with LOCAL_LOGIN=break-glass: then everyone but the break-glass administrators logs in
    through NemLog-in."""
    return settings.LOCAL_LOGIN == "everyone"


def password_login_allowed(user) -> bool:
    """The one answer to "may this user log in with a password?": everyone by default; with
    LOCAL_LOGIN=break-glass only superusers (the secretariat's break-glass administrators)."""
    return password_login_for_everyone() or user.is_superuser


def secretariat_users():
    """The users `is_secretariat` says yes to, as a QuerySet (whom the secretariat's messages go to)."""
    return get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=SECRETARIAT), is_active=True
    ).distinct()


def ensure_roles() -> tuple[Group, Group]:
    """Create or refresh the Secretariat, Coordinators and Secretariat readers groups (idempotent);
    returns the first two."""
    secretariat, _ = Group.objects.get_or_create(name=SECRETARIAT)
    secretariat.permissions.set(Permission.objects.filter(content_type__app_label__in=SECRETARIAT_APPS))
    coordinators, _ = Group.objects.get_or_create(name=COORDINATORS)
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in COORDINATOR_PERMISSIONS
    ]
    coordinators.permissions.set(permissions)
    readers, _ = Group.objects.get_or_create(name=SECRETARIAT_READERS)
    readers.permissions.set(
        Permission.objects.filter(content_type__app_label__in=READER_APPS, codename__startswith="view_")
    )
    return secretariat, coordinators
