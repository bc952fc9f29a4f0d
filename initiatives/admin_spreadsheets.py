"""Spreadsheet import and export in the admin, as the signed-in user.

A preview's confirmation is bound to the session that made the preview: the confirmation form's
hidden fields (the stored file's name, the format, the resource) must be exactly those this user's
preview produced, or the request is refused with 400. Nothing else in the temporary folder can be
named, and a format or resource out of range never reaches the library.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm

from .resources import EXPORT_FORMATS, IMPORT_FORMATS, UnreadableFile


class BoundedImportForm(ImportForm):
    """The upload, refused before it is read when it is larger than IMPORT_MAX_BYTES."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; an import takes at most %(limit)s (about %(rows)s rows). Split it into smaller files.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.IMPORT_MAX_BYTES),
                    "rows": settings.IMPORT_MAX_ROWS,
                }
            )
        return upload


PENDING_IMPORTS_SESSION_KEY = "pending_imports"
# Previews a session remembers; an older one must be uploaded again.
PENDING_IMPORTS_KEPT = 10


class SpreadsheetImportExportMixin(ImportExportMixin):
    """Import (preview, then confirm) and export in CSV and xlsx, as the signed-in user.

    The CSV's encoding and separator are detected (resources.normalise_csv); a file with any bad
    row offers no confirmation, and the confirmed import runs in one transaction that is rolled
    back if a row fails after all.
    """

    import_error_display = ("message",)
    import_form_class = BoundedImportForm

    def get_import_formats(self):
        return IMPORT_FORMATS

    def get_export_formats(self):
        return EXPORT_FORMATS

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def has_import_permission(self, request):
        return self.has_add_permission(request) or self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_valid_export_item_pks(self, request):
        return self.get_queryset(request).values_list("pk", flat=True)

    def export_action(self, request):
        # The export follows the change list's filters from the address; a filter typed by hand
        # that the list does not know is answered like the change list does, not with an error page.
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            messages.error(request, _("The filters in the address are not valid; nothing was exported."))
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    # --- The confirmation is bound to the preview ---

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        confirm_form = (getattr(response, "context_data", None) or {}).get("confirm_form")
        if confirm_form is not None:
            self.remember_pending_import(request, confirm_form.initial)
        return response

    def remember_pending_import(self, request, initial: dict) -> None:
        pending = dict(request.session.get(PENDING_IMPORTS_SESSION_KEY, {}))
        pending[str(initial["import_file_name"])] = {
            "model": self.opts.label_lower,
            "format": str(initial["format"]),
            "resource": str(initial.get("resource") or "0"),
        }
        # Oldest first (dicts keep insertion order): forget the oldest beyond the limit.
        request.session[PENDING_IMPORTS_SESSION_KEY] = dict(list(pending.items())[-PENDING_IMPORTS_KEPT:])

    def pending_import(self, request) -> str | None:
        """The stored file's name when the POST confirms a preview this session made, else None."""
        name = request.POST.get("import_file_name", "")
        expected = request.session.get(PENDING_IMPORTS_SESSION_KEY, {}).get(name)
        posted = {
            "model": self.opts.label_lower,
            "format": request.POST.get("format", ""),
            "resource": request.POST.get("resource") or "0",
        }
        return name if expected == posted and request.POST.get("original_file_name") else None

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            return super().process_import(request, **kwargs)  # the library answers 403
        name = self.pending_import(request)
        if name is None:
            return self.refused_confirmation(request)
        response = super().process_import(request, **kwargs)
        pending = dict(request.session.get(PENDING_IMPORTS_SESSION_KEY, {}))
        pending.pop(name, None)
        request.session[PENDING_IMPORTS_SESSION_KEY] = pending
        return response

    def refused_confirmation(self, request) -> TemplateResponse:
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("This import cannot be confirmed"),
            "opts": opts,
            "import_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_import"),
        }
        return TemplateResponse(request, "admin/import_export/confirmation_refused.html", context, status=400)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnreadableFile):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed between preview and confirmation: everything was rolled back.
            messages.error(
                request,
                _("Nothing was imported: %(count)d row(s) failed. Import the file again to see why.")
                % {"count": len(result.invalid_rows) + len(result.row_errors())},
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)
