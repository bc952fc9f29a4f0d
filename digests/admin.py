from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import KeyCheckedAutocompleteMixin, VersionCheckedAdminMixin
from common.roles import is_secretariat

from .delivery import deliveries_send_again
from .models import DeliveryAttempt, DeliveryStatus, DigestDelivery, Subscription
from .tasks import send_digest

# What the secretariat does about a delivery in each status that needs them, shown on its page.
WHAT_TO_DO = {
    DeliveryStatus.UNKNOWN: _(
        "The whole message reached the mail server, but the server's answer never came (the connection dropped "
        "or timed out), so it may have been delivered. It is not sent again automatically. Look its Message-ID up "
        "in the mail server's log: if the server has it, nothing needs doing; if not, select it in the list of "
        "summary deliveries and choose the action “Send again”."
    ),
    DeliveryStatus.SENDING: _(
        "Being sent now, or the worker sending it stopped midway. It is not sent again automatically. If it stays "
        "like this, look its Message-ID up in the mail server's log before telling the recipient."
    ),
    DeliveryStatus.FAILED: _(
        "The mail server refused it, or it could not be reached until the retries ran out (see the error and the "
        "attempts). Once the cause is fixed, select it in the list of summary deliveries and choose the action "
        "“Send again”."
    ),
}


class DeliveryAttemptInline(admin.TabularInline):
    """Every attempt at sending the digest, as it ended (read-only)."""

    model = DeliveryAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "phase", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        # The attempts are part of the delivery's record: whoever sees the one sees the other.
        return request.user.has_perm("digests.view_digestdelivery")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    """Each digest built: to whom, for which date, and whether it went out (read-only, but a failed
    or outcome-unknown one can be sent again)."""

    list_display = ["date", "recipient", "to_address", "status", "change_count", "attempts", "sent_at", "error"]
    list_filter = ["status", "date", "language"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "to_address", "subject", "error", "message_id"]
    date_hierarchy = "date"
    readonly_fields = ["what_to_do"] + [f.name for f in DigestDelivery._meta.fields if f.name != "snapshot"]
    exclude = ["snapshot"]
    inlines = [DeliveryAttemptInline]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_send_again_permission(self, request):
        return is_secretariat(request.user)

    @admin.display(description=_("what to do"))
    def what_to_do(self, obj):
        return WHAT_TO_DO.get(obj.status, "—")

    @admin.action(description=_("Send again (after checking the mail server's log)"), permissions=["send_again"])
    def send_again(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            again = deliveries_send_again(chosen)
            for delivery in DigestDelivery.objects.filter(pk__in=again):
                self.log_change(request, delivery, gettext("Sent again by hand (same Message-ID)."))
                # robust: in-process (no broker) one failing send must not stop the others.
                transaction.on_commit(partial(send_digest.delay, delivery.pk), robust=True)
        if again:
            self.message_user(request, ngettext(
                "%(count)s summary is being sent again.", "%(count)s summaries are being sent again.", len(again)
            ) % {"count": len(again)}, messages.SUCCESS)
        if len(again) < len(chosen):
            self.message_user(request, ngettext(
                "%(count)s summary was not sent again: only failed ones and ones whose outcome is unknown are.",
                "%(count)s summaries were not sent again: only failed ones and ones whose outcome is unknown are.",
                len(chosen) - len(again),
            ) % {"count": len(chosen) - len(again)}, messages.WARNING)


@admin.register(Subscription)
class SubscriptionAdmin(KeyCheckedAutocompleteMixin, VersionCheckedAdminMixin, SimpleHistoryAdmin):
    list_display = ["user", "scope", "frequency", "language", "send_when_empty", "is_benchmark", "updated_at"]
    list_filter = ["frequency", "scope", "language", "is_benchmark"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user", "authorities", "initiatives"]
    filter_horizontal = ["strategies"]
