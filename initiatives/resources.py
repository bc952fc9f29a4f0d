"""Spreadsheet import and export of initiatives, participations, dependencies and milestones.

Columns name things the way a person filling in a spreadsheet knows them:

- an authority (`lead`, `authority`) by its official code (municipality 0101, region 1084) or,
  for bodies without a code, by its exact Danish name ("Digitaliseringsstyrelsen");
- a strategy by its period code ("2022-2025"), empty for initiatives outside the strategies;
- an initiative by its strategy and code ("2022-2025" + "3.2").

Every row is written through initiatives.services (or model validation that calls them), so an
import keeps the lead participation and health lights current, refuses cycles, and leaves
history records exactly like an edit in the admin. A row the user may not write (another
authority's records, for a coordinator) is a row error like any other.
"""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from simple_history.utils import update_change_reason

from authorities.models import Authority, coordinated_authority_ids
from common.amounts import read_amount
from common.roles import is_secretariat
from common.spreadsheets import safe_cell, unquote_cell
from strategies.models import FocusArea, Strategy

from .models import (
    BASELINE_FIELDS,
    Criticality,
    Dependency,
    DependencyKind,
    Health,
    Initiative,
    Milestone,
    Participation,
    Role,
    Status,
)
from .services import (
    dependency_add,
    dependency_update,
    initiative_create,
    initiative_update,
    participation_set,
)

# --- Reading the file ------------------------------------------------------------------------------

# Tried in order. UTF-8 (with or without the BOM Excel writes for "CSV UTF-8") first: cp1252 would
# decode any byte string, so it can only be the fallback — it is what Excel on Windows writes as
# plain "CSV", and a superset of latin-1 for the Danish letters.
TEXT_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
# Danish letters as they look when UTF-8 was decoded as cp1252 and saved again ("KÃ¸benhavn").
MOJIBAKE = ("Ã¦", "Ã¸", "Ã¥", "Ã†", "Ã˜", "Ã…", "Ã©", "\ufffd")


class UnreadableFile(ValueError):
    """The upload is not text in an encoding a spreadsheet writes."""


def decode_spreadsheet_text(raw: bytes) -> tuple[str, str]:
    """The text of a CSV upload and the encoding it was in; no choice asked of the user."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" and some Mac exports.
        return raw.decode("utf-16"), "utf-16"
    if b"\x00" in raw:
        raise UnreadableFile(_("The file is not a text (CSV) file. Choose xlsx for Excel workbooks."))
    for encoding in TEXT_ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("The file's text encoding could not be recognised. Save it as CSV UTF-8."))


def normalise_csv(raw: bytes) -> bytes:
    """UTF-8, comma-separated CSV from what a spreadsheet wrote (any encoding, ; or , or tab).

    Danish Excel separates fields with semicolons, because the comma is the decimal mark.
    """
    text, _encoding = decode_spreadsheet_text(raw)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if delimiter != ",":
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        text = out.getvalue()
    return text.encode("utf-8")


class SpreadsheetCSV(base_formats.CSV):
    """CSV in whatever encoding and separator the spreadsheet used (see normalise_csv).

    Read as bytes (binary, for django-import-export) so that decoding happens here, where the
    encoding is detected, and not in the temporary storage with one fixed encoding.
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return super().create_dataset(normalise_csv(in_stream).decode("utf-8"), **kwargs)


IMPORT_FORMATS = [SpreadsheetCSV, base_formats.XLSX]
EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]


# --- Cell widgets ----------------------------------------------------------------------------------


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def find_authority(value) -> Authority:
    """An authority by official code or exact Danish name; ValueError naming the cell otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet turns "0101" into the number 101; municipality codes have four digits.
        text = f"{int(value):04d}"
    else:
        text = cell_text(value)
    if not text:
        raise ValueError(_("An authority is required."))
    if text.isascii() and text.isdigit() and len(text) < 4:
        text = text.zfill(4)
    matches = list(Authority.objects.filter(Q(code=text) | Q(name_da__iexact=text))[:2])
    by_code = [authority for authority in matches if authority.code == text]
    if len(by_code) == 1:
        return by_code[0]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValueError(_("“%(value)s” matches more than one authority; use its official code.") % {"value": text})
    raise ValueError(
        _("Unknown authority “%(value)s”: use the official code (e.g. 0101) or the exact Danish name.")
        % {"value": text}
    )


def authority_label(authority: Authority | None) -> str:
    if authority is None:
        return ""
    return authority.code or authority.name_da


class AuthorityWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return find_authority(value)

    def render(self, value, obj=None, **kwargs):
        return authority_label(value)


def find_strategy(value) -> Strategy | None:
    text = cell_text(value)
    if not text:
        return None
    strategy = Strategy.objects.filter(code=text).first()
    if strategy is None:
        raise ValueError(_("Unknown strategy “%(value)s”: use its period, e.g. 2022-2025.") % {"value": text})
    return strategy


class StrategyWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return find_strategy(value)

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class FocusAreaWidget(widgets.Widget):
    """A focus area by its code within the row's strategy."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        strategy = find_strategy((row or {}).get("strategy"))
        area = FocusArea.objects.filter(strategy=strategy, code=text).first()
        if area is None:
            raise ValueError(_("The strategy has no focus area “%(value)s”.") % {"value": text})
        return area

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


# Danish words people write in a spreadsheet, whatever the translation catalogue says.
DANISH_CHOICE_WORDS = {
    "planlagt": "planned", "aktiv": "active", "igangværende": "active", "afsluttet": "completed",
    "gennemført": "completed", "sat på pause": "paused", "pause": "paused", "annulleret": "cancelled",
    "aflyst": "cancelled", "grøn": "green", "gul": "yellow", "rød": "red", "ansvarlig": "lead",
    "medejer": "co_owner", "bidragyder": "contributor", "implementerer": "implementer", "hørt": "consulted",
    "forudsætning": "prerequisite", "fælles infrastruktur": "shared_infrastructure",
    "dataudveksling": "data_exchange", "lovgrundlag": "legal_basis", "finansiering": "funding",
    "lav": "low", "mellem": "medium", "middel": "medium", "høj": "high",
    # funding's parties and benefits' kinds
    "staten": "state", "kommunerne": "kl", "danske regioner": "regions", "regionerne": "regions",
    "andre": "other", "økonomisk": "economic", "ikke-økonomisk": "non_economic",
}


class ChoiceWidget(widgets.Widget):
    """A choice by its key or its English or Danish label, in any case."""

    def __init__(self, choices, default, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).lower()
        if not text:
            return self.default
        text = DANISH_CHOICE_WORDS.get(text, text)
        for key, label in self.choices.choices:
            names = {key.lower()}
            for language in ("en", "da"):
                with translation.override(language):
                    names.add(str(label).lower())
            if text in names:
                return key
        allowed = ", ".join(key for key, _label in self.choices.choices)
        raise ValueError(_("“%(value)s” is not one of: %(allowed)s.") % {"value": cell_text(value), "allowed": allowed})

    def render(self, value, obj=None, **kwargs):
        return value or ""


DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")


class DateWidget(widgets.Widget):
    """ISO dates, the Danish day-month-year forms, and the date cells of a workbook."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date; write e.g. 2025-06-30.") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class KronerWidget(widgets.Widget):
    """Whole kroner; accepts 1.500.000, 1 500 000 and workbook numbers."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return int(value)
        text = cell_text(value).replace(" ", "").replace("\xa0", "").removesuffix("kr.").removesuffix("kr")
        text = text.replace(".", "").replace(",", ".")
        try:
            return int(Decimal(text))
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not an amount in kroner.") % {"value": cell_text(value)}) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class AmountWidget(widgets.Widget):
    """Kroner with øre, exactly (common.amounts.read_amount): Danish or English writing, grouped or
    not, and workbook numbers. More than two decimals are read as written, for the model to refuse."""

    def clean(self, value, row=None, **kwargs):
        try:
            return read_amount(value)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not an amount in kroner; write e.g. 1500000,50 or 1.500.000,50.") % {"value": cell_text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class YearWidget(widgets.Widget):
    """A year of four digits; a workbook's 2025.0 is 2025."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and len(text) == 4):
            raise ValueError(_("“%(value)s” is not a year; write e.g. 2025.") % {"value": text})
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        # A cell this product exported with a protective apostrophe comes back as it was typed.
        return unquote_cell(cell_text(value))


# --- Resources -------------------------------------------------------------------------------------


class ClassStyledDiff(resources.Diff):
    """The import preview's diff, marked with classes instead of the inline styles diff-match-patch
    writes: the Content-Security-Policy blocks inline styles, so the changes were not highlighted.
    The styles are in static/admin/css/portfolio.css. The cell text is already escaped."""

    INLINE_STYLES = (
        ('<ins style="background:#e6ffe6;">', '<ins class="import-diff-ins">'),
        ('<del style="background:#ffe6e6;">', '<del class="import-diff-del">'),
    )

    def as_html(self):
        cells = []
        for html in super().as_html():
            for inline, classed in self.INLINE_STYLES:
                html = html.replace(inline, classed)
            cells.append(mark_safe(html))  # diff-match-patch escaped the values
        return cells


class ScopedResource(resources.ModelResource):
    """A resource that knows who imports, refuses rows outside their scope, and checks encoding.

    A row is refused for want of rights only when it would write something: a coordinator's own
    export also lists the records of initiatives their authority merely takes part in, and that
    file must go back in unchanged (those rows are skipped) after they have edited their own rows.
    Subclasses say what the user may not write in `scope_errors_before` (the stored record, before
    the row's values are applied) and `scope_errors_after` (the record as the row would leave it).
    """

    # Whether `do_instance_save` calls a service that validates the whole record (full_clean).
    # The confirmed import then leaves the model validation to it instead of doing it twice.
    services_validate = False
    # Whether the preview can judge every row without saving the rows before it (see import_data).
    preview_without_saving = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.confirming = False
        self.file_name = ""
        self.seen_keys: dict[tuple, int] = {}
        self.row_scope_errors: dict = {}

    def get_diff_class(self):
        return ClassStyledDiff

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        if not dry_run or not self.preview_without_saving:
            # The import the user confirmed (one transaction: all rows or none), or a preview
            # that must save each row to judge the next, rolled back.
            self.confirming = not dry_run
            return super().import_data(
                dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=use_transactions,
                collect_failed_rows=collect_failed_rows,
                rollback_on_validation_errors=rollback_on_validation_errors, **kwargs,
            )
        # The preview. django-import-export runs a dry run inside a transaction it rolls back,
        # which on SQLite holds the whole database's write lock for the preview's length: every
        # other user's save and login waited, or failed with "database is locked". Without a
        # transaction it validates every row and saves nothing, so nothing is locked.
        return self.import_data_inner(
            dataset, dry_run=True, raise_errors=raise_errors, using_transactions=False,
            collect_failed_rows=collect_failed_rows, **kwargs,
        )

    @property
    def is_secretariat(self) -> bool:
        return self.user is None or is_secretariat(self.user)

    def own_authority_ids(self) -> frozenset[int]:
        return coordinated_authority_ids(self.user)

    def before_import(self, dataset, **kwargs):
        self.file_name = kwargs.get("file_name") or ""
        self.seen_keys = {}
        # Spreadsheets keep stray spaces and the BOM in headers; match columns regardless.
        if dataset.headers:
            dataset.headers = [cell_text(header).lstrip("\ufeff").strip().lower() for header in dataset.headers]
        if len(dataset) > settings.IMPORT_MAX_ROWS:
            raise ValidationError(
                _("The file has %(rows)s rows; an import takes at most %(limit)s. Split it into smaller files.")
                % {"rows": len(dataset), "limit": settings.IMPORT_MAX_ROWS}
            )
        missing = [
            self.fields[name].column_name
            for name in self.get_import_id_fields()
            if self.fields[name].column_name not in (dataset.headers or [])
        ]
        if missing:
            raise ValidationError(
                ngettext(
                    "The file has no column “%(columns)s”: every row needs it to find its record.",
                    "The file lacks the columns “%(columns)s”: every row needs them to find its record.",
                    len(missing),
                )
                % {"columns": "”, “".join(missing)}
            )

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            if isinstance(value, str) and any(marker in value for marker in MOJIBAKE):
                raise ValidationError(
                    {
                        column: _(
                            "“%(value)s” looks wrongly encoded (Danish letters garbled). "
                            "Save the file as “CSV UTF-8” or xlsx and import it again."
                        )
                        % {"value": value}
                    }
                )
        key = self.row_key(row)
        if key is not None:
            number = kwargs.get("row_number")
            first = self.seen_keys.setdefault(key, number)
            if first != number:
                raise ValidationError(
                    _("This row repeats the record on line %(line)s (same %(what)s).")
                    % {"line": first, "what": self.key_description()}
                )

    def scope_errors_before(self, instance) -> dict:
        """Errors for a stored record the user may not change (nothing for a new one)."""
        return {}

    def scope_errors_after(self, instance) -> dict:
        """Errors for the record as this row would write it."""
        return {}

    def import_instance(self, instance, row, **kwargs):
        # Judged on the stored record now: the row's values (a new lead, say) overwrite it below.
        self.row_scope_errors = (
            {} if self.is_secretariat or instance._state.adding else self.scope_errors_before(instance)
        )
        super().import_instance(instance, row, **kwargs)

    def export_field(self, field, instance, **kwargs):
        # Every admin export (CSV and xlsx) and the preview's cells: no live formulas, no
        # characters a workbook cannot store (common.spreadsheets).
        return safe_cell(super().export_field(field, instance, **kwargs))

    def get_or_init_instance(self, instance_loader, row):
        instance, new = super().get_or_init_instance(instance_loader, row)
        # Before anything about a stored record is shown (the preview's diff lists every field, an
        # unchanged row included), it must be one the user may see: the same visible_to as exports.
        if not new and not self.may_see(instance):
            raise ValidationError(
                _("This row names a record you cannot see (%(what)s); only your own authority's records can be imported.")
                % {"what": self.key_description()}
            )
        return instance, new

    def may_see(self, instance) -> bool:
        if self.is_secretariat:
            return True
        return self.filter_export(self.get_queryset().filter(pk=instance.pk)).exists()

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # A new row is never "unchanged", even when all its values are the defaults.
        if instance.pk is None:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Called only for rows that would be written (unchanged rows were skipped before).
        # Lists of errors per field, as full_clean's update_error_dict extends them.
        errors = {field: list(ValidationError(error).error_list) for field, error in (import_validation_errors or {}).items()}
        for scope_errors in (self.row_scope_errors, self.scope_errors_after(instance)):
            for field, error in scope_errors.items():
                errors.setdefault(field, []).extend(error.error_list)
        if self.confirming and self.services_validate:
            # The service's full_clean in do_instance_save validates the record once (its
            # ValidationError is a row error like this one); the preview validated it already.
            if errors:
                raise ValidationError(errors)
            return
        super().validate_instance(instance, errors, validate_unique)

    def row_key(self, row) -> tuple | None:
        return None

    def key_description(self) -> str:
        return ""

    def change_reason(self) -> str:
        return _("Imported from %(file)s") % {"file": self.file_name} if self.file_name else _("Imported")

    def record_reason(self, obj) -> None:
        update_change_reason(obj, self.change_reason())

    def find_initiative(self, strategy_value, code_value, *, visible_only: bool = True) -> Initiative:
        """The initiative a row names. Unless `visible_only` is off (a dependency's target may be
        anyone's), one the user cannot see is answered exactly as one that does not exist."""
        strategy = find_strategy(strategy_value)
        code = cell_text(code_value)
        if not code:
            raise ValueError(_("An initiative code is required."))
        initiatives = Initiative.objects.select_related("lead")
        if visible_only and not self.is_secretariat:
            initiatives = initiatives.visible_to(self.user)
        initiative = initiatives.filter(strategy=strategy, code=code).first()
        if initiative is None:
            where = strategy.code if strategy else _("outside the strategies")
            raise ValueError(_("No initiative %(code)s (%(where)s).") % {"code": code, "where": where})
        return initiative


class InitiativeResource(ScopedResource):
    """Initiatives, one per row, identified by strategy and code."""

    services_validate = True  # initiative_create / initiative_update

    strategy = fields.Field(attribute="strategy", column_name="strategy", widget=StrategyWidget())
    code = fields.Field(attribute="code", column_name="code", widget=TextWidget())
    title_da = fields.Field(attribute="title_da", column_name="title_da", widget=TextWidget())
    title_en = fields.Field(attribute="title_en", column_name="title_en", widget=TextWidget())
    description_da = fields.Field(attribute="description_da", column_name="description_da", widget=TextWidget())
    description_en = fields.Field(attribute="description_en", column_name="description_en", widget=TextWidget())
    focus_area = fields.Field(attribute="focus_area", column_name="focus_area", widget=FocusAreaWidget())
    lead = fields.Field(attribute="lead", column_name="lead", widget=AuthorityWidget())
    status = fields.Field(attribute="status", column_name="status", widget=ChoiceWidget(Status, Status.PLANNED))
    baseline_start = fields.Field(attribute="baseline_start", column_name="baseline_start", widget=DateWidget())
    baseline_end = fields.Field(attribute="baseline_end", column_name="baseline_end", widget=DateWidget())
    forecast_start = fields.Field(attribute="forecast_start", column_name="forecast_start", widget=DateWidget())
    forecast_end = fields.Field(attribute="forecast_end", column_name="forecast_end", widget=DateWidget())
    baseline_budget = fields.Field(attribute="baseline_budget", column_name="baseline_budget", widget=KronerWidget())
    forecast_cost = fields.Field(attribute="forecast_cost", column_name="forecast_cost", widget=KronerWidget())
    expected_benefits = fields.Field(
        attribute="expected_benefits", column_name="expected_benefits", widget=TextWidget()
    )
    benefits_health = fields.Field(
        attribute="benefits_health", column_name="benefits_health", widget=ChoiceWidget(Health, Health.GREEN)
    )
    health = fields.Field(attribute="health", column_name="health", readonly=True)

    class Meta:
        model = Initiative
        fields = (
            "strategy", "code", "title_da", "title_en", "description_da", "description_en", "focus_area",
            "lead", "status", "baseline_start", "baseline_end", "forecast_start", "forecast_end",
            "baseline_budget", "forecast_cost", "expected_benefits", "benefits_health", "health",
        )
        import_id_fields = ("strategy", "code")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_bulk = False  # every row through the services, so history and lead sync happen

    def get_queryset(self):
        return Initiative.objects.select_related("strategy", "focus_area", "lead")

    def filter_export(self, queryset, **kwargs):
        return queryset.visible_to(self.user) if self.user is not None else queryset

    def get_instance(self, instance_loader, row):
        try:
            strategy = find_strategy(row.get("strategy"))
        except ValueError as error:
            raise ValidationError({"strategy": str(error)}) from None
        return self.get_queryset().filter(strategy=strategy, code=cell_text(row.get("code"))).first()

    def row_key(self, row):
        return (cell_text(row.get("strategy")), cell_text(row.get("code")))

    def key_description(self) -> str:
        return _("strategy and code")

    def scope_errors_before(self, instance) -> dict:
        if instance.is_editable_by(self.user):
            return {}
        return {
            "code": ValidationError(
                _("Initiative %(code)s is led by %(lead)s; you can import only your own authority's initiatives.")
                % {"code": instance.code, "lead": instance.lead}
            )
        }

    stored_benefits_light: str | None = None

    def import_instance(self, instance, row, **kwargs):
        # The benefits light as stored, before the row's values: once benefits are registered it is
        # computed from them (benefits.services), and no file may set it.
        self.stored_benefits_light = (
            instance.benefits_health if not instance._state.adding and instance.benefits_computed else None
        )
        super().import_instance(instance, row, **kwargs)

    def scope_errors_after(self, instance) -> dict:
        errors = {}
        if self.stored_benefits_light is not None and instance.benefits_health != self.stored_benefits_light:
            errors["benefits_health"] = ValidationError(_(
                "This initiative's benefits light is computed from its registered benefits; "
                "change their forecasts instead."
            ))
        if instance.pk is not None:
            stored = Initiative.objects.filter(pk=instance.pk).values(*BASELINE_FIELDS).first() or {}
            changed = [name for name in BASELINE_FIELDS if name in stored and stored[name] != getattr(instance, name)]
            if changed:
                # Once created, the baseline changes only through an approved rebaseline request.
                message = _("The approved baseline cannot be changed by an import; ask for a new baseline instead.")
                errors.update({name: ValidationError(message) for name in changed})
        if not (self.is_secretariat or not instance.lead_id or instance.lead_id in self.own_authority_ids()):
            errors["lead"] = ValidationError(
                _("%(lead)s is not your authority; you can import only initiatives your authority leads.")
                % {"lead": instance.lead}
            )
        return errors

    def do_instance_save(self, instance, is_create):
        values = {
            field.attname: getattr(instance, field.attname)
            for field in Initiative._meta.concrete_fields
            if field.name not in {"id", "lead", "created_at", "updated_at", "schedule_health", "cost_health", "health"}
        }
        if is_create:
            saved = initiative_create(lead=instance.lead, **values)
            self.record_reason(saved)
        else:
            stored = Initiative.objects.get(pk=instance.pk)
            stored._change_reason = self.change_reason()  # simple-history stores it with the record
            saved = initiative_update(initiative=stored, lead_id=instance.lead_id, **values)
        instance.pk = saved.pk
        instance._state.adding = False
        instance.schedule_health, instance.cost_health, instance.health = (
            saved.schedule_health, saved.cost_health, saved.health,
        )


class ParticipationResource(ScopedResource):
    """Authorities taking part in initiatives. The lead's row follows the initiative's lead column."""

    services_validate = True  # participation_set

    strategy = fields.Field(column_name="strategy", attribute="initiative__strategy", readonly=True, widget=StrategyWidget())
    initiative = fields.Field(column_name="initiative", attribute="initiative__code", readonly=True)
    authority = fields.Field(column_name="authority", attribute="authority", readonly=True, widget=AuthorityWidget())
    role = fields.Field(column_name="role", attribute="role", widget=ChoiceWidget(Role, Role.CONTRIBUTOR))

    class Meta:
        model = Participation
        fields = ("strategy", "initiative", "authority", "role")
        import_id_fields = ("strategy", "initiative", "authority")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_bulk = False

    def get_queryset(self):
        return Participation.objects.select_related("initiative__strategy", "initiative__lead", "authority")

    def filter_export(self, queryset, **kwargs):
        return queryset if self.user is None else queryset.visible_to(self.user)

    def row_key(self, row):
        return (cell_text(row.get("strategy")), cell_text(row.get("initiative")), cell_text(row.get("authority")))

    def key_description(self) -> str:
        return _("initiative and authority")

    def resolve(self, row) -> tuple[Initiative, Authority]:
        errors = {}
        initiative = authority = None
        try:
            initiative = self.find_initiative(row.get("strategy"), row.get("initiative"))
        except ValueError as error:
            errors["initiative"] = str(error)
        try:
            authority = find_authority(row.get("authority"))
        except ValueError as error:
            errors["authority"] = str(error)
        if errors:
            raise ValidationError(errors)
        return initiative, authority

    def get_instance(self, instance_loader, row):
        initiative, authority = self.resolve(row)
        return self.get_queryset().filter(initiative=initiative, authority=authority).first()

    def init_instance(self, row=None):
        initiative, authority = self.resolve(row)
        return Participation(initiative=initiative, authority=authority)

    def scope_errors_after(self, instance) -> dict:
        # The lead's row (exported with role "lead") goes back in unchanged; changing it, or making
        # another row the lead, is done through the initiative's lead column.
        if instance.role == Role.LEAD or (instance.pk and Participation.objects.filter(pk=instance.pk, role=Role.LEAD).exists()):
            return {"role": ValidationError(_("The lead is set by the initiative's lead column, not by a participation row."))}
        if self.is_secretariat:
            return {}
        own = self.own_authority_ids()
        leads = instance.initiative.lead_id in own
        # A participant may change its own role in another authority's initiative, not join one.
        own_existing_row = instance.pk is not None and instance.authority_id in own
        if leads or own_existing_row:
            return {}
        return {
            "initiative": ValidationError(
                _("Initiative %(code)s is led by %(lead)s; you can import participations only for initiatives your authority leads.")
                % {"code": instance.initiative.code, "lead": instance.initiative.lead}
            )
        }

    def do_instance_save(self, instance, is_create):
        saved = participation_set(initiative=instance.initiative, authority=instance.authority, role=instance.role)
        instance.pk = saved.pk
        instance._state.adding = False
        self.record_reason(saved)


class DependencyResource(ScopedResource):
    """`initiative` depends on `depends_on`; each side named by strategy and code."""

    services_validate = True  # dependency_add / dependency_update
    # A cycle can be closed by two rows of one file: the preview saves each row (and rolls back).
    preview_without_saving = False

    source_strategy = fields.Field(column_name="strategy", attribute="source__strategy", readonly=True, widget=StrategyWidget())
    source = fields.Field(column_name="initiative", attribute="source__code", readonly=True)
    target_strategy = fields.Field(column_name="depends_on_strategy", attribute="target__strategy", readonly=True, widget=StrategyWidget())
    target = fields.Field(column_name="depends_on", attribute="target__code", readonly=True)
    kind = fields.Field(column_name="kind", attribute="kind", widget=ChoiceWidget(DependencyKind, DependencyKind.PREREQUISITE))
    criticality = fields.Field(column_name="criticality", attribute="criticality", widget=ChoiceWidget(Criticality, Criticality.MEDIUM))
    needed_by = fields.Field(column_name="needed_by", attribute="needed_by", widget=DateWidget())
    note = fields.Field(column_name="note", attribute="note", widget=TextWidget())

    class Meta:
        model = Dependency
        fields = ("source_strategy", "source", "target_strategy", "target", "kind", "criticality", "needed_by", "note")
        import_id_fields = ("source_strategy", "source", "target_strategy", "target")
        skip_unchanged = True
        report_skipped = True
        # full_clean runs in the services below; the cycle check must see the rows saved so far.
        clean_model_instances = False
        use_bulk = False

    def get_queryset(self):
        return Dependency.objects.select_related(
            "source__strategy", "source__lead", "target__strategy", "target__lead"
        )

    def filter_export(self, queryset, **kwargs):
        return queryset if self.user is None else queryset.visible_to(self.user)

    def row_key(self, row):
        return tuple(cell_text(row.get(column)) for column in ("strategy", "initiative", "depends_on_strategy", "depends_on"))

    def key_description(self) -> str:
        return _("initiative and depends-on initiative")

    def resolve(self, row) -> tuple[Initiative, Initiative]:
        errors = {}
        source = target = None
        try:
            source = self.find_initiative(row.get("strategy"), row.get("initiative"))
        except ValueError as error:
            errors["source"] = str(error)
        try:
            target = self.find_initiative(row.get("depends_on_strategy"), row.get("depends_on"), visible_only=False)
        except ValueError as error:
            errors["target"] = str(error)
        if errors:
            raise ValidationError(errors)
        return source, target

    def get_instance(self, instance_loader, row):
        source, target = self.resolve(row)
        return self.get_queryset().filter(source=source, target=target).first()

    def init_instance(self, row=None):
        source, target = self.resolve(row)
        return Dependency(source=source, target=target)

    def scope_errors_after(self, instance) -> dict:
        if self.is_secretariat or instance.source.lead_id in self.own_authority_ids():
            return {}
        return {
            "source": ValidationError(
                _("Initiative %(code)s is led by %(lead)s; you can import dependencies only of initiatives your authority leads.")
                % {"code": instance.source.code, "lead": instance.source.lead}
            )
        }

    def do_instance_save(self, instance, is_create):
        values = {
            "kind": instance.kind,
            "criticality": instance.criticality,
            "needed_by": instance.needed_by,
            "note": instance.note,
        }
        if is_create:
            saved = dependency_add(source=instance.source, target=instance.target, **values)
        else:
            saved = dependency_update(dependency=Dependency.objects.get(pk=instance.pk), **values)
        instance.pk = saved.pk
        instance._state.adding = False
        self.record_reason(saved)


class TitledByInitiativeResource(ScopedResource):
    """Records of an initiative found by its `strategy` and `initiative` (the code) and their title
    (`title_field`: the Danish title of milestones and benefits, a risk's title); written only for
    initiatives the user's authority leads, unless a subclass says otherwise (scope_errors_after)."""

    title_field = "title_da"
    # "Initiative %(code)s is led by %(lead)s; you can import … only of initiatives your authority leads."
    led_elsewhere = ""

    def filter_export(self, queryset, **kwargs):
        queryset = queryset.select_related("initiative__strategy")
        return queryset if self.user is None else queryset.visible_to(self.user)

    def row_key(self, row):
        return (cell_text(row.get("strategy")), cell_text(row.get("initiative")),
                cell_text(row.get(self.title_field)))

    def key_description(self) -> str:
        return _("initiative and title")

    def resolve(self, row) -> Initiative:
        try:
            return self.find_initiative(row.get("strategy"), row.get("initiative"))
        except ValueError as error:
            raise ValidationError({"initiative": str(error)}) from None

    def get_instance(self, instance_loader, row):
        initiative = self.resolve(row)
        # The title as the column reads it: an exported "'=…" title finds its record again.
        title = self.fields[self.title_field].clean(row)
        return self.get_queryset().filter(initiative=initiative, **{self.title_field: title}).first()

    def init_instance(self, row=None):
        return self._meta.model(initiative=self.resolve(row))

    def scope_errors_after(self, instance) -> dict:
        if self.is_secretariat or instance.initiative.lead_id in self.own_authority_ids():
            return {}
        return {"initiative": ValidationError(
            self.led_elsewhere % {"code": instance.initiative.code_with_strategy, "lead": instance.initiative.lead})}


class MilestoneResource(TitledByInitiativeResource):
    """Milestones of initiatives, identified by initiative and Danish title."""

    led_elsewhere = gettext_lazy(
        "Initiative %(code)s is led by %(lead)s; you can import milestones only of initiatives your authority leads.")

    strategy = fields.Field(column_name="strategy", attribute="initiative__strategy", readonly=True, widget=StrategyWidget())
    initiative = fields.Field(column_name="initiative", attribute="initiative__code", readonly=True)
    title_da = fields.Field(column_name="title_da", attribute="title_da", widget=TextWidget())
    title_en = fields.Field(column_name="title_en", attribute="title_en", widget=TextWidget())
    baseline_date = fields.Field(column_name="baseline_date", attribute="baseline_date", widget=DateWidget())
    forecast_date = fields.Field(column_name="forecast_date", attribute="forecast_date", widget=DateWidget())
    done_on = fields.Field(column_name="done_on", attribute="done_on", widget=DateWidget())

    class Meta:
        model = Milestone
        fields = ("strategy", "initiative", "title_da", "title_en", "baseline_date", "forecast_date", "done_on")
        import_id_fields = ("strategy", "initiative", "title_da")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_bulk = False

    def get_queryset(self):
        return Milestone.objects.select_related("initiative__strategy", "initiative__lead")

    def do_instance_save(self, instance, is_create):
        instance.save()
        self.record_reason(instance)
