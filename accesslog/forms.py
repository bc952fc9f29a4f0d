from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class SubjectExportForm(forms.Form):
    """Whose log to export: the data subject's user name."""

    username = forms.CharField(label=gettext_lazy("User name of the data subject"), max_length=150)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ValidationError(_("There is no user with the user name “%(username)s”.") % {"username": username})
        self.subject = user
        return username
