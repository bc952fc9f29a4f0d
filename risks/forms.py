"""The risk forms (the product's page and the admin's): they parse what was posted and offer only the
initiatives, owners and agreements the user may use; risks.services decides, before anything is saved."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement
from authorities.models import Authority, coordinated_authority_ids
from common.roles import is_secretariat
from common.validators import no_control_characters
from initiatives.models import Initiative

from .models import Risk
from .services import RISK_FIELDS, risk_check

TEXT_LIMIT = 5000
DATE_HINT = _("Write the date as dd.mm.yyyy.")


def one_to_five(label, message):
    return forms.IntegerField(
        label=label, min_value=1, max_value=5, help_text=_("1 is the least, 5 the most."),
        error_messages={"min_value": message, "max_value": message, "invalid": message},
        widget=forms.NumberInput(attrs={"class": "form-input input-width-xxs", "inputmode": "numeric"}),
    )


def owner_choices(user, initiative: Initiative | None = None):
    """Authorities a user may name as a risk's owner: for one initiative, its participants (the lead
    among them), and for a coordinator who does not lead it, only their own among them."""
    owners = Authority.objects.all()
    if initiative is not None:
        owners = owners.filter(participations__initiative=initiative)
    if is_secretariat(user):
        return owners.order_by("name_da", "pk")
    ids = coordinated_authority_ids(user)
    if initiative is not None and initiative.lead_id in ids:
        return owners.order_by("name_da", "pk")
    if initiative is None:
        # The admin's add form, before an initiative is chosen: their own, and the participants of
        # the initiatives they lead (risk_check refuses the rest).
        owners = owners.filter(Q(pk__in=ids) | Q(participations__initiative__lead_id__in=ids)).distinct()
        return owners.order_by("name_da", "pk")
    return owners.filter(pk__in=ids).order_by("name_da", "pk")


def agreement_choices(user, initiative: Initiative | None = None):
    """Agreements the user may link: those they are party to (all for the secretariat), on one of the
    initiative's own dependencies when the initiative is known."""
    agreements = Agreement.objects.visible_to(user).with_parties()
    if initiative is not None:
        agreements = agreements.filter(Q(dependency__source=initiative) | Q(dependency__target=initiative))
    return agreements.order_by("needed_by", "pk")


class AgreementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        source, target = obj.dependency.source, obj.dependency.target
        return f"{source.code_with_strategy} → {target.code_with_strategy} ({obj.get_state_display()})"


class RiskCheckedForm(forms.ModelForm):
    """A ModelForm whose clean() asks risks.services.risk_check, so a refusal is a form error and
    nothing is saved; the view or admin then saves through risk_save."""

    user = None

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            risk_check(risk=self.instance, user=self.user)
        except PermissionDenied as refusal:
            self.add_error(None, str(refusal) or _("You may not record this risk."))
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                for text in texts:
                    self.add_error(field if field in self.fields else None, text)

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in RISK_FIELDS if name in self.cleaned_data}


class RiskForm(RiskCheckedForm):
    """A risk of one initiative, on the product's pages."""

    title = forms.CharField(label=_("Title"), max_length=200, validators=[no_control_characters],
                            widget=forms.TextInput(attrs={"class": "form-input"}))
    description = forms.CharField(label=_("Description"), required=False, max_length=TEXT_LIMIT,
                                  validators=[no_control_characters],
                                  widget=forms.Textarea(attrs={"rows": 3, "class": "form-input"}))
    mitigation = forms.CharField(label=_("Mitigation"), required=False, max_length=TEXT_LIMIT,
                                 validators=[no_control_characters],
                                 help_text=_("What is done to make the risk less likely or less harmful."),
                                 widget=forms.Textarea(attrs={"rows": 3, "class": "form-input"}))
    review_date = forms.DateField(label=_("Review date"), required=False, help_text=DATE_HINT,
                                  widget=forms.DateInput(format="%d.%m.%Y",
                                                         attrs={"class": "form-input", "inputmode": "numeric"}))

    class Meta:
        model = Risk
        fields = ["title", "description", "probability", "impact", "owner", "mitigation", "review_date", "status",
                  "agreement"]

    def __init__(self, *args, user, initiative: Initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance.initiative = initiative
        self.fields["probability"] = one_to_five(_("Probability (1–5)"), _("The probability is a number from 1 to 5."))
        self.fields["impact"] = one_to_five(_("Impact (1–5)"), _("The impact is a number from 1 to 5."))
        self.fields["owner"].queryset = owner_choices(user, initiative)
        self.fields["owner"].label = _("Owner authority")
        self.fields["owner"].empty_label = None if self.fields["owner"].queryset.count() == 1 else "—"
        self.fields["owner"].widget.attrs["class"] = "form-select"
        self.fields["status"].widget.attrs["class"] = "form-select"
        self.fields["status"].label = _("Status")
        agreement = AgreementChoiceField(
            queryset=agreement_choices(user, initiative), required=False, label=_("Dependency agreement"),
            empty_label=_("None"),
            help_text=_("An agreement on one of this initiative's dependencies. When it is declined, or "
                        "unanswered after its needed-by date, the risk is escalated."),
        )
        agreement.widget.attrs["class"] = "form-select"
        self.fields["agreement"] = agreement
