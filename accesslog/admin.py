"""The access log in the admin: only the secretariat's export for one data subject. The log itself
is never listed, edited or deleted here (the database refuses changes anyway). And the one way other
admins log the people their pages show (PeopleShownAdminMixin)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.roles import is_secretariat

from .forms import SubjectExportForm
from .models import PersonalDataAccess, Purpose
from .services import access_record, subject_access_export

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class PeopleShownAdminMixin:
    """For a ModelAdmin whose rows each name a person (a user field): its list logs a view of each
    person on the page shown, its change and history pages a view of the row's person."""

    person_field = "user"
    list_purpose: Purpose
    row_purpose: Purpose

    def _person_id(self, obj) -> int | None:
        return getattr(obj, self.opts.get_field(self.person_field).attname)

    def _record(self, request, objs, purpose: Purpose) -> None:
        access_record(
            viewer=request.user,
            subject_ids=[pk for pk in (self._person_id(obj) for obj in objs) if pk is not None],
            purpose=purpose,
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        self._record(request, changelist.result_list, self.list_purpose)
        return changelist

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # opened, or shown again with a form's errors
            self._record(request, [obj], self.row_purpose)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id)) if response.status_code == 200 else None
        if obj is not None:
            self._record(request, [obj], self.row_purpose)
        return response


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_secretariat(request.user)

    def has_view_permission(self, request, obj=None):
        # The export only: no record is opened on its own (its page would name the viewer).
        return obj is None and is_secretariat(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """The model's page is the export: choose a data subject, get their CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SubjectExportForm(request.GET if "username" in request.GET else None)
        if form.is_valid():
            content = subject_access_export(subject=form.subject, requested_by=request.user)
            response = HttpResponse(content, content_type=CSV_CONTENT_TYPE)
            filename = f"access-log-user-{form.subject.pk}-{timezone.localdate():%Y-%m-%d}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export the access log for a data subject"),
            "opts": self.opts,
            "form": form,
            "retention_months": settings.ACCESS_LOG_RETENTION_MONTHS,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/accesslog/subject_export.html", context)
