from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import VersionCheckedAdminMixin
from common.roles import is_secretariat

from .models import Delivery, EventType, Hook, HookState
from .services import hook_new_secret, hook_pause, hook_resume
from .tasks import deliveries_enqueue


class SecretariatOnlyMixin:
    """Webhooks are the secretariat's alone: nobody else sees them, whatever their permissions."""

    def has_module_permission(self, request):
        return is_secretariat(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_secretariat(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return is_secretariat(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_secretariat(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_secretariat(request.user) and super().has_delete_permission(request, obj)


class HookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )

    class Meta:
        model = Hook
        fields = ["name", "url", "events"]

    def clean_url(self):
        return self.cleaned_data["url"].strip()


@admin.register(Hook)
class HookAdmin(SecretariatOnlyMixin, VersionCheckedAdminMixin, SimpleHistoryAdmin):
    """The receivers: URL, events, state (paused with the reason), and the signing secret."""

    form = HookForm
    list_display = ["name", "url", "state", "consecutive_failures", "paused_at", "paused_reason"]
    list_filter = ["state"]
    search_fields = ["name", "url"]
    readonly_fields = ["signing_secret", "state", "paused_at", "paused_reason", "consecutive_failures", "created_at"]
    actions = ["resume", "pause", "make_new_secret"]

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "events"]
        if obj is not None:
            fields += ["signing_secret", "state", "paused_reason", "paused_at", "consecutive_failures", "created_at"]
        return fields

    @admin.display(description=_("signing secret"))
    def signing_secret(self, obj):
        # Shown on the hook's own page to the secretariat only (the admin is theirs alone), never in
        # lists or the history: the receiver needs it to check the signatures.
        return format_html("<code>{}</code>", obj.secret)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, gettext(
            "Give the receiver its signing secret, shown on the webhook's page: it checks each delivery's "
            "X-Portfolio-Signature with it."
        ), messages.INFO)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Resume (send what waited)"))
    def resume(self, request, queryset):
        resumed = 0
        for hook in queryset.filter(state=HookState.PAUSED):
            with transaction.atomic():
                waiting = hook_resume(hook=hook)
                self.log_change(request, hook, gettext("Resumed."))
                transaction.on_commit(partial(deliveries_enqueue, waiting), robust=True)
            resumed += 1
        self.message_user(request, ngettext(
            "%(count)s webhook resumed.", "%(count)s webhooks resumed.", resumed) % {"count": resumed},
            messages.SUCCESS)

    @admin.action(description=_("Pause"))
    def pause(self, request, queryset):
        paused = 0
        for hook in queryset.filter(state=HookState.ACTIVE):
            with transaction.atomic():
                hook_pause(hook=hook, reason=gettext("Paused by %(user)s.") % {"user": request.user.get_username()})
                self.log_change(request, hook, gettext("Paused."))
            paused += 1
        self.message_user(request, ngettext(
            "%(count)s webhook paused.", "%(count)s webhooks paused.", paused) % {"count": paused}, messages.SUCCESS)

    @admin.action(description=_("Make a new signing secret"))
    def make_new_secret(self, request, queryset):
        for hook in queryset:
            with transaction.atomic():
                hook_new_secret(hook=hook)
                self.log_change(request, hook, gettext("New signing secret."))
        self.message_user(request, gettext(
            "New secrets made; the old ones are no longer used. Give each receiver its new secret."
        ), messages.WARNING)


@admin.register(Delivery)
class DeliveryAdmin(SecretariatOnlyMixin, admin.ModelAdmin):
    """Each event sent (or to be sent) to each webhook, with how its attempts went (read-only)."""

    list_display = ["created_at", "event", "hook", "status", "attempts", "last_status_code", "next_attempt_at",
                    "delivered_at", "last_error"]
    list_filter = ["status", "event", "hook"]
    list_select_related = ["hook"]
    search_fields = ["event_id", "last_error"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
