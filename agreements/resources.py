"""Spreadsheet import and export of dependency agreements: one row per agreement, found by its
dependency (the dependant `strategy` and `initiative`, the `depends_on_strategy` and `depends_on`).

An import takes steps of the round, not values: the `action` column names the step each row takes,
and the row is handed to the same service the agreement's page calls (agreements.services), so the
same rules hold (who may take which step from which state, a reason for a proposal or a decline, no
date before the request) and the same records are left (the agreement's history, naming the file,
and an AgreementTransition). The requester's coordinators `request` (with `needed_by` and
`what_needed`), `accept` or `reopen` (with a new ask, if they want); the provider's coordinators
`commit` (with `committed_date`), `propose` (with `proposed_date` and `reason`) or `decline` (with
`reason`). A row without an action is skipped when it leaves the agreement as it is (an export goes
back in unchanged) and refused when it changes a value: values change only by a step.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from import_export import fields
from simple_history.utils import update_change_reason

from authorities.models import coordinated_authority_ids
from common.roles import reads_everything
from initiatives.models import Dependency
from initiatives.resources import (
    AuthorityWidget,
    ChoiceWidget,
    DateWidget,
    ScopedResource,
    StrategyWidget,
    TextWidget,
    cell_text,
)

from . import services
from .models import Agreement, AgreementAction

# The columns a row's step reads, per step; the others are ignored for that step.
STEP_COLUMNS = ("needed_by", "what_needed", "committed_date", "proposed_date", "reason")
# Where a service's refusal is shown: its field → the file's column.
SERVICE_COLUMNS = {"dependency": "depends_on", "__all__": "action"}


class AgreementResource(ScopedResource):
    """Agreements, identified by the two initiatives of their dependency; each row one step."""

    services_validate = True  # agreements.services
    # A row is judged by taking its step (the preview's transaction is rolled back).
    preview_without_saving = False

    strategy = fields.Field(column_name="strategy", attribute="dependency__source__strategy", readonly=True,
                            widget=StrategyWidget())
    initiative = fields.Field(column_name="initiative", attribute="dependency__source__code", readonly=True)
    depends_on_strategy = fields.Field(column_name="depends_on_strategy", attribute="dependency__target__strategy",
                                       readonly=True, widget=StrategyWidget())
    depends_on = fields.Field(column_name="depends_on", attribute="dependency__target__code", readonly=True)
    requested_by = fields.Field(column_name="requested_by", attribute="dependency__source__lead", readonly=True,
                                widget=AuthorityWidget())
    asked_of = fields.Field(column_name="asked_of", attribute="dependency__target__lead", readonly=True,
                            widget=AuthorityWidget())
    state = fields.Field(column_name="state", attribute="state", readonly=True)
    needed_by = fields.Field(column_name="needed_by", attribute="needed_by", readonly=True, widget=DateWidget())
    what_needed = fields.Field(column_name="what_needed", attribute="what_needed", readonly=True, widget=TextWidget())
    committed_date = fields.Field(column_name="committed_date", attribute="committed_date", readonly=True,
                                  widget=DateWidget())
    proposed_date = fields.Field(column_name="proposed_date", attribute="proposed_date", readonly=True,
                                 widget=DateWidget())
    reason = fields.Field(column_name="reason", attribute="reason", readonly=True, widget=TextWidget())
    # Written by no export: a file that comes back unchanged takes no step.
    action = fields.Field(column_name="action", readonly=True, widget=ChoiceWidget(AgreementAction, ""))

    class Meta:
        model = Agreement
        fields = ("strategy", "initiative", "depends_on_strategy", "depends_on", "requested_by", "asked_of", "state",
                  "needed_by", "what_needed", "committed_date", "proposed_date", "reason", "action")
        import_id_fields = ("strategy", "initiative", "depends_on_strategy", "depends_on")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False  # the services validate
        use_bulk = False

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.step: dict = {}

    def get_queryset(self):
        return Agreement.objects.with_parties()

    def filter_export(self, queryset, **kwargs):
        queryset = queryset.select_related(
            "dependency__source__strategy", "dependency__source__lead",
            "dependency__target__strategy", "dependency__target__lead",
        )
        # As the admin's list: every agreement for the secretariat and its readers.
        if self.user is None or reads_everything(self.user):
            return queryset
        return queryset.visible_to(self.user)

    def dehydrate_action(self, agreement: Agreement) -> str:
        return ""

    def row_key(self, row):
        return tuple(cell_text(row.get(column)) for column in self._meta.import_id_fields)

    def key_description(self) -> str:
        return _("initiative and depends-on initiative")

    # --- Finding the row's agreement ---

    def resolve(self, row) -> Dependency:
        """The dependency the row names, if the user is party to it (or asks for it); another
        authority's dependency is answered exactly like one that does not exist."""
        errors = {}
        source = target = None
        for column, strategy_column, name in (("initiative", "strategy", "source"),
                                              ("depends_on", "depends_on_strategy", "target")):
            try:
                found = self.find_initiative(row.get(strategy_column), row.get(column), visible_only=False)
            except ValueError as error:
                errors[column] = str(error)
            else:
                source, target = (found, target) if name == "source" else (source, found)
        if errors:
            raise ValidationError(errors)
        dependency = (Dependency.objects.select_related("source__strategy", "source__lead", "target__strategy",
                                                        "target__lead")
                      .filter(source=source, target=target).first())
        party = self.is_secretariat or (
            dependency is not None
            and {dependency.source.lead_id, dependency.target.lead_id} & coordinated_authority_ids(self.user)
        )
        if dependency is None or not party:
            raise ValidationError({"depends_on": _(
                "%(source)s does not depend on %(target)s, or neither is your authority's: "
                "you can import only agreements your authority is party to."
            ) % {"source": source.code_with_strategy, "target": target.code_with_strategy}})
        return dependency

    def get_instance(self, instance_loader, row):
        return self.get_queryset().filter(dependency=self.resolve(row)).first()

    def init_instance(self, row=None):
        return Agreement(dependency=self.resolve(row), state="")

    # --- Reading the row's step ---

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        errors, step = {}, {}
        for column in ("action", *STEP_COLUMNS):
            try:
                step[column] = self.fields[column].clean(row) if column in row else None
            except ValueError as error:
                errors[column] = str(error)
        self.step = step
        if errors:
            raise ValidationError(errors)
        if not step["action"]:
            self.refuse_changes_without_a_step(instance, row)

    def refuse_changes_without_a_step(self, instance: Agreement, row) -> None:
        if instance.pk is None:
            raise ValidationError({"action": _(
                "This dependency has no agreement yet: write “request” in the action column to ask for one."
            )})
        changed = [column for column in STEP_COLUMNS
                   if column in row and (self.step[column] or None) != (getattr(instance, column) or None)]
        if changed:
            raise ValidationError({column: _(
                "An agreement changes only by a step: write it in the action column (request, commit, "
                "propose, decline, accept or reopen)."
            ) for column in changed})

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not import_validation_errors and not self.step.get("action")

    # --- Taking the step ---

    def do_instance_save(self, instance, is_create):
        action = self.step["action"]
        if is_create and action != AgreementAction.REQUEST:
            raise ValidationError({"action": _(
                "This dependency has no agreement yet: it must be asked for first (action “request”)."
            )})
        try:
            saved = self.take_step(instance, action)
        except PermissionDenied as error:
            # Acting for the other side: refused like any bad row, naming the action.
            raise ValidationError({"action": str(error) or _("You may not take this step.")}) from None
        except ValidationError as error:
            # The services name their fields; the dependency is the file's depends_on column.
            raise ValidationError({SERVICE_COLUMNS.get(name, name): messages
                                   for name, messages in error.message_dict.items()}) from None
        update_change_reason(saved, f"{AgreementAction(action).label} ({self.change_reason()})")
        for field in Agreement._meta.concrete_fields:  # the preview's diff shows the result
            setattr(instance, field.attname, getattr(saved, field.attname))
        instance._state.adding = False

    def take_step(self, instance: Agreement, action: str) -> Agreement:
        step, user = self.step, self.user
        if action == AgreementAction.REQUEST:
            return services.agreement_request(dependency=instance.dependency, user=user,
                                              needed_by=step["needed_by"], what_needed=step["what_needed"] or "")
        if action == AgreementAction.COMMIT:
            return services.agreement_commit(agreement=instance, user=user, committed_date=step["committed_date"])
        if action == AgreementAction.PROPOSE:
            return services.agreement_propose(agreement=instance, user=user, proposed_date=step["proposed_date"],
                                              reason=step["reason"] or "")
        if action == AgreementAction.DECLINE:
            return services.agreement_decline(agreement=instance, user=user, reason=step["reason"] or "")
        if action == AgreementAction.ACCEPT:
            return services.agreement_accept(agreement=instance, user=user)
        # Reopening: a needed-by date or an ask that differs from the stored one is a new ask.
        changes = {
            column: step[column] for column in ("needed_by", "what_needed")
            if step[column] and step[column] != getattr(instance, column)
        }
        return services.agreement_reopen(agreement=instance, user=user, reason=step["reason"] or "", **changes)

