"""A NemLog-in login: the organisation's CVR number chooses the authority, the MitID Erhverv
privileges choose the role (PrivilegeMapping); the user is created on the first login and brought up
to date on every later one. Every login and refusal, NemLog-in's and password ones, is recorded (LoginEvent)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from authorities.models import Authority, Coordinator
from common.roles import COORDINATORS, SECRETARIAT_READERS, ensure_roles, is_secretariat
from reporting.models import Approver

from .identity import LoginRefused, ProfessionalIdentity
from .models import LoginEvent, LoginMethod, LoginOutcome, PrivilegeMapping, Role


def roles_for(privileges: frozenset[str], authority: Authority) -> set[str]:
    """The roles the privileges granted by the organisation of `authority` give (a mapping limited to
    another organisation gives nothing)."""
    mappings = PrivilegeMapping.objects.filter(privilege__in=privileges).filter(
        Q(authority__isnull=True) | Q(authority=authority)
    )
    return set(mappings.values_list("role", flat=True))


def _authority_for(identity: ProfessionalIdentity) -> Authority:
    authority = Authority.objects.filter(cvr=identity.cvr).first()
    if authority is None:
        raise LoginRefused(
            _("Your organisation, CVR number %(cvr)s%(name)s, is not connected to the strategy portfolio. Ask the "
              "secretariat of the joint digital strategies at the Agency for Digital Government to enter the CVR "
              "number on your authority; then log in again.")
            % {"cvr": identity.cvr, "name": f" ({identity.organisation})" if identity.organisation else ""},
            cvr=identity.cvr, reason="unknown_cvr",
        )
    return authority


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def _apply_roles(user: AbstractBaseUser, authority: Authority, roles: set[str]) -> None:
    """The user's rights become exactly what this login's privileges give, at the login's authority."""
    ensure_roles()
    readers = Group.objects.get(name=SECRETARIAT_READERS)
    if Role.SECRETARIAT_READER in roles:
        user.groups.add(readers)
    else:
        user.groups.remove(readers)
    coordinators = Group.objects.get(name=COORDINATORS)
    if Role.COORDINATOR in roles:
        user.groups.add(coordinators)
        Coordinator.objects.get_or_create(user=user, authority=authority)
        # Assignments elsewhere came from an earlier login for another organisation.
        for stale in Coordinator.objects.filter(user=user).exclude(authority=authority):
            stale.delete()  # one by one, so each removal is in the history
    else:
        user.groups.remove(coordinators)
        for stale in Coordinator.objects.filter(user=user):
            stale.delete()
    # An approver approves the authority's status reports on the reporting pages (no admin needed).
    stale_approvals = Approver.objects.filter(user=user)
    if Role.APPROVER in roles:
        Approver.objects.get_or_create(user=user, authority=authority)
        stale_approvals = stale_approvals.exclude(authority=authority)
    for stale in stale_approvals:
        stale.delete()  # one by one, so each removal is in the history


def nemlogin_user(*, identity: ProfessionalIdentity) -> tuple[AbstractBaseUser, str]:
    """The user for this login, created or brought up to date, and what the login gave them (for the
    login record); LoginRefused leaves nothing behind."""
    User = get_user_model()
    with transaction.atomic():
        authority = _authority_for(identity)
        roles = roles_for(identity.privileges, authority)
        user, created = User.objects.select_for_update().get_or_create(
            username=identity.username, defaults={"is_active": True}
        )
        if not user.is_active:
            raise LoginRefused(
                _("Your user in the strategy portfolio has been closed. Ask the secretariat of the joint digital "
                  "strategies to open it again."),
                cvr=identity.cvr, reason="inactive_user",
            )
        if created:
            user.set_unusable_password()
        user.email = _email(identity.email)
        user.first_name, user.last_name = identity.first_name, identity.last_name
        # Coordinators and the secretariat's readers use the admin; without a mapped privilege the
        # dashboard is read-only. (The secretariat may have given a NemLog-in user its own role by hand: that stays.)
        user.is_staff = bool({Role.COORDINATOR, Role.SECRETARIAT_READER} & roles) or is_secretariat(user)
        user.save()
        _apply_roles(user, authority, roles)
    given = []
    if Role.COORDINATOR in roles:
        given.append(_("coordinator for %(authority)s") % {"authority": authority.name_da})
    if Role.APPROVER in roles:
        given.append(_("approver for %(authority)s") % {"authority": authority.name_da})
    if Role.SECRETARIAT_READER in roles:
        given.append(_("secretariat reader"))
    granted = ", ".join(given) or _("no role: reads the dashboard")
    summary = _("%(created)s, CVR number %(cvr)s: %(granted)s") % {
        "created": _("first login") if created else _("later login"), "cvr": identity.cvr, "granted": granted,
    }
    return user, summary


def login_event_record(
    *, method: LoginMethod, outcome: LoginOutcome, cvr: str = "", user=None, username: str = "", reason: str = "",
    message: str = "",
) -> None:
    LoginEvent.objects.create(
        method=method, outcome=outcome, cvr=cvr[:20], user=user, username=username[:150], reason=reason[:40],
        message=message,
    )


def password_login_record(*, user: AbstractBaseUser) -> None:
    login_event_record(method=LoginMethod.PASSWORD, outcome=LoginOutcome.LOGGED_IN, user=user, username=user.get_username())


def password_refusal_record(*, username, locked_out: bool) -> None:
    """A refused password login: a wrong password, a user whose password login LOCAL_LOGIN closed,
    or one locked out (django-axes) after too many failures."""
    username = username[:150] if isinstance(username, str) else ""
    user = get_user_model().objects.filter(username=username).first() if username else None
    if locked_out:
        reason, message = "locked_out", _("Locked out after too many failed logins.")
    else:
        reason = "password_refused"
        message = _("Wrong user name or password, or a user who may not log in with a password.")
    login_event_record(
        method=LoginMethod.PASSWORD, outcome=LoginOutcome.REFUSED, user=user, username=username, reason=reason,
        message=message,
    )


def admin_refusal_record(*, user: AbstractBaseUser) -> None:
    """The admin's login turned away a user whose password was right: they are not staff (coordinators and
    the secretariat are). Recorded like any other refusal; no `user_login_failed` signal reports this one."""
    login_event_record(
        method=LoginMethod.PASSWORD, outcome=LoginOutcome.REFUSED, user=user, username=user.get_username(),
        reason="not_staff", message=_("Right password, but not a staff user: the admin is for coordinators and the secretariat."),
    )
