"""Forms that write initiatives' data and need more than a model's own validation."""

from django import forms
from django.core.exceptions import ValidationError

from .models import Dependency
from .services import dependency_check_acyclic


class DependencyForm(forms.ModelForm):
    """A dependency, checked against the whole graph by the one acyclicity service."""

    class Meta:
        model = Dependency
        fields = ["source", "target", "kind", "criticality", "needed_by", "note", "is_illustrative"]

    def clean(self):
        cleaned = super().clean()
        # An inline's source is its parent initiative, set on the instance by the formset.
        source = cleaned.get("source") or getattr(self.instance, "source", None)
        target = cleaned.get("target")
        if source is not None and source.pk and target is not None:
            try:
                dependency_check_acyclic(source=source, target=target, ignore_pk=self.instance.pk)
            except ValidationError as error:
                self.add_error("target" if "target" in self.fields else None, error)
        return cleaned
