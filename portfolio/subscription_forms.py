"""Forms for the summary-email pages: the subscription settings and the secretariat's preview."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authorities.models import Authority
from initiatives.models import Initiative

from .models import Strategy, Subscription, SubscriptionFrequency, SubscriptionLanguage, SubscriptionScope


class SubscriptionForm(forms.Form):
    """What a user receives. Authorities are those they coordinate; initiatives by id (as in the
    initiative's address), since a list of every initiative would be tens of thousands long."""

    frequency = forms.ChoiceField(
        label=gettext_lazy("How often"), choices=SubscriptionFrequency.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=SubscriptionLanguage.choices, widget=forms.RadioSelect
    )
    scope = forms.ChoiceField(label=gettext_lazy("What the summary covers"), widget=forms.RadioSelect)
    authorities = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Authorities"), queryset=Authority.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    strategies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Strategies"), queryset=Strategy.objects.order_by("start_year"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    initiative_ids = forms.CharField(
        label=gettext_lazy("Initiatives"), required=False,
        help_text=gettext_lazy("The numbers of the initiatives, separated by commas: the number is in the "
                               "initiative's address, /initiatives/<number>/."),
    )
    send_when_empty = forms.BooleanField(
        label=gettext_lazy("Send a summary even when nothing changed"), required=False
    )

    def __init__(self, *args, user, is_secretariat: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_secretariat = is_secretariat
        choices = list(SubscriptionScope.choices)
        if not is_secretariat:
            choices = [c for c in choices if c[0] != SubscriptionScope.PORTFOLIO]
        self.fields["scope"].choices = choices
        self.fields["authorities"].queryset = Authority.objects.coordinated_by(user).order_by("name_da")

    def clean_initiative_ids(self) -> list[Initiative]:
        raw = self.cleaned_data["initiative_ids"]
        ids = []
        for part in raw.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ValidationError(_("“%(value)s” is not an initiative number.") % {"value": part})
            ids.append(int(part))
        found = list(Initiative.objects.filter(pk__in=ids))
        missing = sorted(set(ids) - {i.pk for i in found})
        if missing:
            raise ValidationError(
                _("No initiative with the number %(numbers)s.") % {"numbers": ", ".join(map(str, missing))}
            )
        return found

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        frequency = cleaned.get("frequency")
        if frequency == SubscriptionFrequency.OFF:
            return cleaned
        if scope == SubscriptionScope.AUTHORITIES and not cleaned.get("authorities"):
            self.add_error("authorities", _("Choose at least one authority, or another scope."))
        if scope == SubscriptionScope.STRATEGIES and not cleaned.get("strategies"):
            self.add_error("strategies", _("Choose at least one strategy, or another scope."))
        if scope == SubscriptionScope.INITIATIVES and not cleaned.get("initiative_ids"):
            self.add_error("initiative_ids", _("Give at least one initiative, or another scope."))
        return cleaned

    @staticmethod
    def initial_for(subscription: Subscription) -> dict:
        return {
            "frequency": subscription.frequency,
            "language": subscription.language,
            "scope": subscription.scope,
            "authorities": list(subscription.authorities.all()) if subscription.pk else [],
            "strategies": list(subscription.strategies.all()) if subscription.pk else [],
            "initiative_ids": ", ".join(
                str(pk) for pk in subscription.initiatives.order_by("pk").values_list("pk", flat=True)
            ) if subscription.pk else "",
            "send_when_empty": subscription.send_when_empty,
        }


class PreviewForm(forms.Form):
    """Whose summary, for which date."""

    user = forms.CharField(label=gettext_lazy("User name"))
    date = forms.DateField(label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ValidationError(_("No user with the user name “%(value)s”.") % {"value": username})
        return user

    def clean_date(self) -> datetime.date:
        return self.cleaned_data.get("date") or timezone.localdate()
