"""Forms for the digest pages: the subscription settings and the secretariat's preview."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authorities.models import Authority
from initiatives.models import Initiative
from strategies.models import Strategy

from .models import Subscription, SubscriptionFrequency, SubscriptionLanguage, SubscriptionScope


class SubscriptionForm(forms.Form):
    """What a user receives. Authorities are those they coordinate. Initiatives are ticked from
    those already chosen and from the matches of a search (the page never lists every initiative:
    there are tens of thousands)."""

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
    # Rendered by the template from `initiative_options`, never by iterating the choices.
    initiatives = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Initiatives"), queryset=Initiative.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": gettext_lazy("There is no initiative with the number %(value)s."),
            "invalid_pk_value": gettext_lazy("“%(pk)s” is not an initiative number."),
        },
    )
    initiative_query = forms.CharField(
        label=gettext_lazy("Find initiatives to add"), required=False, max_length=100,
        help_text=gettext_lazy("A code or a word from the Danish or English title, for example MITID or "
                               "“digital post”; then tick the ones you want and save."),
        widget=forms.TextInput(attrs={"type": "search", "class": "form-input", "autocomplete": "off"}),
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
        if scope == SubscriptionScope.INITIATIVES and not cleaned.get("initiatives"):
            self.add_error("initiatives", _("Choose at least one initiative, or another scope."))
        return cleaned

    def posted_initiative_ids(self) -> list[int]:
        """The initiative numbers ticked in the submitted form (unvalidated: for redisplay)."""
        values = self.fields["initiatives"].widget.value_from_datadict(self.data, self.files, self.add_prefix("initiatives"))
        return [int(v) for v in values or () if str(v).isascii() and str(v).isdigit()]

    def values_for_redisplay(self) -> dict:
        """The submitted values as initial data, to show the form again after a search without
        reporting errors in choices the user has not finished making; the search box is emptied."""
        initial = {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
        }
        initial["initiative_query"] = ""
        return initial

    @staticmethod
    def initial_for(subscription: Subscription) -> dict:
        return {
            "frequency": subscription.frequency,
            "language": subscription.language,
            "scope": subscription.scope,
            "authorities": list(subscription.authorities.all()) if subscription.pk else [],
            "strategies": list(subscription.strategies.all()) if subscription.pk else [],
            "initiatives": list(subscription.initiatives.values_list("pk", flat=True)) if subscription.pk else [],
            "send_when_empty": subscription.send_when_empty,
        }


class PreviewForm(forms.Form):
    """Whose digest, for which date."""

    user = forms.CharField(label=gettext_lazy("User name"), widget=forms.TextInput(attrs={"class": "form-input"}))
    date = forms.DateField(
        label=gettext_lazy("Date"), required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-input"}, format="%Y-%m-%d"),
    )

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ValidationError(_("No user with the user name “%(value)s”.") % {"value": username})
        return user

    def clean_date(self) -> datetime.date:
        return self.cleaned_data.get("date") or timezone.localdate()
