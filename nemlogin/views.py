"""Logging in through NemLog-in (djangosaml2's views, present only when SAML is configured), the
refusal page, the login page offering it, and a logout that ends the NemLog-in session too."""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from djangosaml2 import views as saml_views
from djangosaml2.views import _set_subject_id
from saml2.response import SignatureError, StatusError, UnsolicitedResponse, VerificationError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from common.roles import password_login_for_everyone

from .backends import NEMLOGIN_BACKEND
from .identity import LoginRefused, identity_from_attributes
from .models import LoginMethod, LoginOutcome
from .services import login_event_record, nemlogin_user

# Set in the session of a NemLog-in login, so logging out ends the NemLog-in session too.
SESSION_FLAG = "nemlogin"


class OnlyWhenConfigured:
    def dispatch(self, request, *args, **kwargs):
        if not settings.SAML_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class PostedByNemLogin(OnlyWhenConfigured):
    """NemLog-in posts its signed answers here from its own site: they carry no CSRF token, and the
    signature and the outstanding request are what authorise them (as djangosaml2's own views are)."""

    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class LoginView(OnlyWhenConfigured, saml_views.LoginView):
    pass


class MetadataView(OnlyWhenConfigured, saml_views.MetadataView):
    pass


class LogoutInitView(OnlyWhenConfigured, saml_views.LogoutInitView):
    pass


class LogoutView(PostedByNemLogin, saml_views.LogoutView):
    pass


def _refusal(exception) -> tuple[str, str]:
    """(reason, message) for a response NemLog-in's answer that cannot be accepted."""
    if isinstance(exception, LoginRefused):
        return exception.reason, exception.message
    if isinstance(exception, ResponseLifetimeExceed | ToEarly):
        return "expired", _("The answer from NemLog-in has expired (or its clock and ours disagree). Log in again.")
    if isinstance(exception, VerificationError):
        # pysaml2's word for an assertion whose conditions fail: its validity period, or its audience.
        return "expired", _("The answer from NemLog-in has expired or was not meant for this service. Log in again.")
    if isinstance(exception, UnsolicitedResponse):
        return "replayed", _(
            "The answer from NemLog-in was not for a login started here, or it has been used already. Log in again."
        )
    if isinstance(exception, SignatureError):
        return "bad_signature", _(
            "The answer from NemLog-in was not signed by NemLog-in, so it cannot be trusted. Log in again; if it "
            "happens again, tell the secretariat of the joint digital strategies."
        )
    if isinstance(exception, StatusError):
        return "idp_error", _("NemLog-in did not log you in. Log in again.")
    return "invalid_response", _("The answer from NemLog-in could not be read. Log in again.")


class AssertionConsumerServiceView(PostedByNemLogin, saml_views.AssertionConsumerServiceView):
    """Receives NemLog-in's signed (and encrypted) answer; pysaml2 checks signature, audience, time
    and that it answers a request of this browser's session; then the login is mapped here."""

    def authenticate_user(self, request, session_info, attribute_mapping, create_unknown_user, assertion_info):
        identity = identity_from_attributes(session_info.get("ava") or {})
        user, summary = nemlogin_user(identity=identity)
        auth.login(request, user, backend=NEMLOGIN_BACKEND)
        request.session[SESSION_FLAG] = True
        _set_subject_id(request.saml_session, session_info["name_id"])
        login_event_record(
            method=LoginMethod.NEMLOGIN, outcome=LoginOutcome.LOGGED_IN, cvr=identity.cvr, user=user, message=summary
        )
        return user

    def custom_redirect(self, user, relay_state, session_info):
        # A coordinator lands in their admin; anyone else on the dashboard, unless they were going somewhere.
        if relay_state in ("", "/", settings.LOGIN_REDIRECT_URL) and user.is_staff:
            return reverse("admin:index")
        return None

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        reason, message = _refusal(exception)
        login_event_record(
            method=LoginMethod.NEMLOGIN, outcome=LoginOutcome.REFUSED, cvr=getattr(exception, "cvr", ""), reason=reason,
            message=message,
        )
        return render(request, "nemlogin/refused.html", {"message": message}, status=status)


class PortfolioLoginView(auth_views.LoginView):
    """The login page: NemLog-in first when it is configured, the password form below it."""

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "nemlogin_enabled": settings.SAML_ENABLED,
            "local_login_break_glass_only": not password_login_for_everyone(),
        }


def single_logout_redirect(request) -> HttpResponse | None:
    """After a NemLog-in login, logging out goes through NemLog-in's single logout (which logs out here
    when NemLog-in answers); None after a password login.

    A page that moves on by itself, not a redirect: the logout button is a form, and the pages' CSP
    (form-action 'self') stops a form's redirect from leaving the site for NemLog-in."""
    if settings.SAML_ENABLED and request.session.get(SESSION_FLAG):
        return render(request, "nemlogin/logging_out.html", {"single_logout_url": reverse("saml2_logout")})
    return None


@require_POST
def logout(request):
    """The product's logout button (the admin's: portfolio/admin_site.py)."""
    return single_logout_redirect(request) or auth_views.LogoutView.as_view()(request)
