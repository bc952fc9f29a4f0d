"""The page where a user makes, sees and revokes their personal API tokens (/api/tokens/)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from . import services


class TokenForm(forms.Form):
    days = forms.TypedChoiceField(
        label=gettext_lazy("Valid for"),
        coerce=int,
        choices=[],
        initial=90,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose how long the token is valid."),
            "invalid_choice": gettext_lazy("Choose how long the token is valid."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [
            (days, ngettext("%(days)s day", "%(days)s days", days) % {"days": days})
            for days in settings.API_TOKEN_DAYS_CHOICES
        ]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        record, new_token = services.token_create(user=request.user, days=form.cleaned_data["days"])
        form = TokenForm()
    status = 400 if request.method == "POST" and form.errors else 200
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": services.tokens_of(request.user), "new_token": new_token, "now": timezone.now()},
        status=status,
    )
    if new_token:
        response["Cache-Control"] = "no-store"  # the token is shown once: never from a cache or the back button
    return response


@login_required
@require_POST
def token_revoke(request, token_key: str):
    if services.token_revoke(user=request.user, token_key=token_key[:25]):
        messages.success(request, _("The token %(prefix)s… is revoked: it no longer works.") % {"prefix": token_key})
    else:
        messages.error(request, _("You have no token %(prefix)s…; nothing was revoked.") % {"prefix": token_key[:25]})
    return redirect("api:tokens")
