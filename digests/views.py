"""Digest pages: subscription settings, unsubscribe from a signed link, and the secretariat's
preview of anyone's digest. Thin: the decisions live in subscriptions.py and schedule.py."""

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accesslog.models import Purpose
from accesslog.services import access_record
from common.http import forbidden
from common.roles import is_secretariat
from initiatives.models import Initiative
from initiatives.selectors import initiatives_matching

from .forms import PreviewForm, SubscriptionForm
from .schedule import preview_digest
from .subscriptions import (
    subscription_for,
    subscription_unsubscribe,
    subscription_update,
    user_from_unsubscribe_token,
)

# The submit button that searches for initiatives to add instead of saving.
FIND_INITIATIVES = "find-initiatives"
INITIATIVE_MATCH_LIMIT = 20


@login_required
@require_http_methods(["GET", "POST"])
def subscription_settings(request):
    subscription = subscription_for(request.user)
    secretariat = is_secretariat(request.user)
    context = {"subscription": subscription, "searched": None, "matches": [], "more_matches": False}
    if request.method == "POST":
        form = SubscriptionForm(request.POST, user=request.user, is_secretariat=secretariat)
        if request.POST.get("action") == FIND_INITIATIVES:
            # A search, not a save: show the form again as filled in, with the matches to tick.
            chosen_ids = form.posted_initiative_ids()
            context["searched"] = request.POST.get("initiative_query", "").strip()[:100]
            context["matches"], context["more_matches"] = initiatives_matching(
                context["searched"], exclude=frozenset(chosen_ids), limit=INITIATIVE_MATCH_LIMIT
            )
            form = SubscriptionForm(initial=form.values_for_redisplay(), user=request.user, is_secretariat=secretariat)
        elif form.is_valid():
            data = form.cleaned_data
            subscription_update(
                subscription=subscription,
                scope=data["scope"],
                frequency=data["frequency"],
                language=data["language"],
                send_when_empty=data["send_when_empty"],
                authorities=data["authorities"],
                strategies=data["strategies"],
                initiatives=data["initiatives"],
            )
            messages.success(request, _("Your summary settings are saved."))
            return redirect("subscription_settings")
        else:
            chosen_ids = form.posted_initiative_ids()
    else:
        form = SubscriptionForm(
            initial=SubscriptionForm.initial_for(subscription), user=request.user, is_secretariat=secretariat
        )
        chosen_ids = form.initial["initiatives"]
    context["form"] = form
    context["chosen_initiatives"] = list(
        Initiative.objects.filter(pk__in=chosen_ids).select_related("strategy", "lead").order_by(
            "-strategy__start_year", "code", "pk"
        )
    )
    context["find_action"] = FIND_INITIATIVES
    return render(request, "digests/settings.html", context)


# The signed token is the authorisation: mail clients POST here without a session or a CSRF
# token (RFC 8058 one-click), so this view alone is exempt from CSRF.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        user = user_from_unsubscribe_token(token)
    except signing.SignatureExpired:
        return render(request, "digests/unsubscribe_expired.html", status=410)
    except (signing.BadSignature, ValueError, get_user_model().DoesNotExist):
        return render(request, "digests/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        subscription_unsubscribe(user=user)
        return render(request, "digests/unsubscribe_done.html", {"subscribed_user": user})
    return render(request, "digests/unsubscribe_confirm.html", {"subscribed_user": user})


PREVIEW_ONLY_FOR_SECRETARIAT = gettext_lazy(
    "Only the strategy secretariat can preview other users' summary emails. Your own settings are on the "
    "subscriptions page."
)


def _preview(request):
    form = PreviewForm(request.GET or None)
    built = None
    if form.is_valid():
        subject = form.cleaned_data["user"]
        built = preview_digest(user=subject, date=form.cleaned_data["date"])
        access_record(viewer=request.user, subject_ids=[subject.pk], purpose=Purpose.SUMMARY_PREVIEW)
    return form, built


@login_required
def digest_preview(request):
    if not is_secretariat(request.user):
        return forbidden(request, PREVIEW_ONLY_FOR_SECRETARIAT)
    form, built = _preview(request)
    return render(request, "digests/preview.html", {"form": form, "built": built})


# The email's HTML carries inline styles (as emails must); it is shown in a sandboxed frame on the
# preview page, so this response alone allows inline styles and being framed by the site itself.
@login_required
@xframe_options_sameorigin
def digest_preview_html(request):
    if not is_secretariat(request.user):
        return forbidden(request, PREVIEW_ONLY_FOR_SECRETARIAT)
    form, built = _preview(request)
    if built is None:
        return HttpResponse(status=400)

    @csp_replace({"style-src": ["'self'", "'unsafe-inline'"], "frame-ancestors": ["'self'"]})
    def respond(request):
        return HttpResponse(built.rendered.html)

    return respond(request)
