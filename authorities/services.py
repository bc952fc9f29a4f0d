"""Writes for authorities: inviting a coordinator."""

import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from common.roles import COORDINATORS, ensure_roles, password_login_for_everyone

from .models import Authority, Coordinator

INVITATION_LANGUAGES = ("da", "en")


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for the set-password link of an invitation.

    A salt of its own, so an invitation link is not a password-reset link and vice versa. Like a
    reset token it stops working once the password is set (the hash includes the password) and
    after PASSWORD_RESET_TIMEOUT.
    """

    key_salt = "authorities.services.InvitationTokenGenerator"


invitation_token_generator = InvitationTokenGenerator()


@dataclass(frozen=True)
class Invitation:
    user: object
    created_user: bool
    link: str


def find_authority_by_code_or_name(value: str) -> Authority:
    """An authority by official code (0101) or exact Danish/English name; ValidationError if not one."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) < 4:
        value = value.zfill(4)
    matches = list(
        Authority.objects.filter(Q(code=value) | Q(name_da__iexact=value) | Q(name_en__iexact=value))[:2]
    )
    if len(matches) != 1:
        if matches:
            raise ValidationError(_("“%(value)s” matches more than one authority; use its code.") % {"value": value})
        raise ValidationError(_("No authority with the code or name “%(value)s”.") % {"value": value})
    return matches[0]


def invitation_days() -> int:
    return max(1, math.floor(settings.PASSWORD_RESET_TIMEOUT / 86400))


@transaction.atomic
def coordinator_invite(*, email: str, authority: Authority, language: str = "da", invited_by=None) -> Invitation:
    """Make `email` a coordinator of `authority` and email them a link to set a password.

    A new user gets an unusable password (no one can log in as them until they set one). An
    existing user keeps their password and gains the authority; the email still goes out, and
    for a user who has never set a password it carries a fresh link.
    """
    if not password_login_for_everyone():
        raise ValidationError(
            _("Password logins are closed (LOCAL_LOGIN=break-glass): coordinators log in with NemLog-in. Enter the "
              "authority's CVR number and map the coordinator privilege instead of inviting.")
        )
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    validate_email(email)
    if language not in INVITATION_LANGUAGES:
        raise ValidationError(_("Language must be one of: %(choices)s.") % {"choices": ", ".join(INVITATION_LANGUAGES)})
    ensure_roles()

    User = get_user_model()
    user = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()
    created_user = user is None
    if created_user:
        user = User(username=email, email=email, is_staff=True, is_active=True)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif not user.is_staff or not user.is_active:
        user.is_staff = True
        user.is_active = True
        user.save(update_fields=["is_staff", "is_active"])
    user.groups.add(Group.objects.get(name=COORDINATORS))
    # A new assignment subscribes the coordinator to their authorities' summaries (portfolio.signals).
    Coordinator.objects.get_or_create(user=user, authority=authority)

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_token_generator.make_token(user)
    link = settings.SITE_URL + reverse("invitation_accept", kwargs={"uidb64": uid, "token": token})
    context = {
        "user": user,
        "authority": authority,
        "link": link,
        "days": invitation_days(),
        "has_password": user.has_usable_password(),
        "invited_by": invited_by,
        "site_url": settings.SITE_URL,
        "login_url": settings.SITE_URL + reverse("admin:login"),
        "accessibility_url": settings.SITE_URL + reverse("accessibility_statement"),
    }
    with translation.override(language):
        context["authority_name"] = authority.name
        subject = " ".join(render_to_string("emails/invitation_subject.txt", context).split())
        text = render_to_string("emails/invitation.txt", context)
        html = render_to_string("emails/invitation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[email])
    message.attach_alternative(html, "text/html")
    # Sent after commit: no email about an assignment that was rolled back.
    transaction.on_commit(message.send)
    return Invitation(user=user, created_user=created_user, link=link)
