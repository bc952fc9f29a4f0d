"""Spreadsheet import and export of funding: one row per initiative, year and party.

Columns: `strategy` and `code` (the initiative), `year`, `party` (state, kl, regions, other, or the
Danish names), `ministry` (the state's financing ministry, by code or exact Danish name; empty for
the other parties), `year_budget` (the initiative's whole budget that year, the same on every row of
the year), `budget` (the party's share) and `actual` (what the party has spent; empty: nothing yet).
Amounts are kroner with øre.

The rows of one initiative and year are the whole split of that year: they are checked together
(funding.services.funding_year_check: the shares add up to `year_budget`, one row per party, a year
within the strategy) and written together by funding.services.funding_year_set, so a party the file
leaves out of a year it changes loses its share there. A row that changes nothing is skipped.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from initiatives.models import Initiative
from initiatives.resources import (
    AmountWidget,
    AuthorityWidget,
    ChoiceWidget,
    ScopedResource,
    StrategyWidget,
    YearWidget,
    cell_text,
)

from .models import ZERO, FundingShare, FundingYear, Party
from .services import ShareInput, funding_share_check, funding_year_check, funding_year_set


class MinistryWidget(AuthorityWidget):
    """The state's financing ministry; empty when none is named."""

    def clean(self, value, row=None, **kwargs):
        return None if not cell_text(value) else super().clean(value, row, **kwargs)


# Where a year's refusal is shown: the service's field → the file's column.
YEAR_COLUMNS = {"year": "year", "budget": "year_budget", "shares": "party"}


@dataclass
class YearRows:
    """The rows of one initiative and year, as the file gives them."""

    initiative: Initiative
    year: int
    lines: list[int] = field(default_factory=list)
    year_budgets: list = field(default_factory=list)
    shares: list[ShareInput] = field(default_factory=list)
    unreadable: bool = False  # a row of the year has a cell that could not be read


class FundingShareResource(ScopedResource):
    """Funding shares, identified by strategy, code, year and party."""

    services_validate = True  # funding_year_set

    strategy = fields.Field(column_name="strategy", attribute="funding_year__initiative__strategy", readonly=True,
                            widget=StrategyWidget())
    code = fields.Field(column_name="code", attribute="funding_year__initiative__code", readonly=True)
    year = fields.Field(column_name="year", attribute="funding_year__year", readonly=True, widget=YearWidget())
    party = fields.Field(column_name="party", attribute="party", readonly=True, widget=ChoiceWidget(Party, None))
    ministry = fields.Field(column_name="ministry", attribute="ministry", widget=MinistryWidget())
    year_budget = fields.Field(column_name="year_budget", attribute="year_budget", widget=AmountWidget())
    budget = fields.Field(column_name="budget", attribute="budget", widget=AmountWidget())
    actual = fields.Field(column_name="actual", attribute="actual", widget=AmountWidget())

    class Meta:
        model = FundingShare
        fields = ("strategy", "code", "year", "party", "ministry", "year_budget", "budget", "actual")
        import_id_fields = ("strategy", "code", "year", "party")
        skip_unchanged = True
        report_skipped = True
        # The services check each share and each year as a whole (see the module's docstring).
        clean_model_instances = False
        use_bulk = False

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.years: dict[tuple[int, int], YearRows] = {}
        self.year_errors: dict[int, dict[str, list[str]]] = {}
        self.years_saved: set[tuple[int, int]] = set()
        self.line = 0

    def get_queryset(self):
        return FundingShare.objects.select_related(
            "funding_year__initiative__strategy", "funding_year__initiative__lead", "ministry")

    def filter_export(self, queryset, **kwargs):
        queryset = queryset.select_related("funding_year__initiative__strategy", "ministry")
        return queryset if self.user is None else queryset.visible_to(self.user)

    def dehydrate_year_budget(self, share: FundingShare):
        # As the row gives it while importing; the stored year's budget when exporting.
        if hasattr(share, "year_budget"):
            return share.year_budget
        return share.funding_year.budget

    def row_key(self, row):
        return tuple(cell_text(row.get(column)) for column in ("strategy", "code", "year", "party"))

    def key_description(self) -> str:
        return _("initiative, year and party")

    # --- Finding the row's record ---

    def resolve(self, row) -> tuple[Initiative, int, str]:
        errors = {}
        initiative = year = party = None
        try:
            initiative = self.find_initiative(row.get("strategy"), row.get("code"))
        except ValueError as error:
            errors["code"] = str(error)
        try:
            year = self.fields["year"].clean(row)
        except ValueError as error:
            errors["year"] = str(error)
        else:
            if year is None:
                errors["year"] = _("A year is required.")
        try:
            party = self.fields["party"].clean(row)
        except ValueError as error:
            errors["party"] = str(error)
        else:
            if party is None:
                errors["party"] = _("A party is required: %(allowed)s.") % {"allowed": ", ".join(Party.values)}
        if errors:
            raise ValidationError(errors)
        return initiative, year, party

    def get_instance(self, instance_loader, row):
        initiative, year, party = self.resolve(row)
        return self.get_queryset().filter(funding_year__initiative=initiative, funding_year__year=year,
                                          party=party).first()

    def init_instance(self, row=None):
        initiative, year, party = self.resolve(row)
        funding_year = (FundingYear.objects.filter(initiative=initiative, year=year).first()
                        or FundingYear(initiative=initiative, year=year, budget=ZERO))
        return FundingShare(funding_year=funding_year, party=party)

    def get_or_init_instance(self, instance_loader, row):
        instance, new = super().get_or_init_instance(instance_loader, row)
        # Compared with the row's year_budget to tell a changed row from an unchanged one.
        instance.year_budget = None if new else instance.funding_year.budget
        return instance, new

    # --- The rows of a year, checked together ---

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.years, self.year_errors, self.years_saved = {}, {}, set()
        for line, values in enumerate(dataset, start=1):
            self.gather(line, dict(zip(dataset.headers, values, strict=False)))
        for rows in self.years.values():
            self.check_year(rows)

    def gather(self, line: int, row: dict) -> None:
        """Add a row to its year's rows; a row that cannot be read is refused by itself."""
        try:
            initiative, year, party = self.resolve(row)
        except ValidationError:
            return
        rows = self.years.setdefault((initiative.pk, year), YearRows(initiative, year))
        rows.lines.append(line)
        try:
            values = {name: self.fields[name].clean(row) for name in ("ministry", "year_budget", "budget", "actual")}
        except ValueError:
            rows.unreadable = True  # its own refusal says why; the year's sum would only mislead
            return
        rows.year_budgets.append(values["year_budget"])
        share = ShareInput(party=party, budget=values["budget"], actual=values["actual"],
                           ministry_id=values["ministry"].pk if values["ministry"] else None)
        rows.shares.append(share)
        try:
            funding_share_check(share=share)
        except ValidationError as error:
            self.refuse(line, error.message_dict)

    def check_year(self, rows: YearRows) -> None:
        if rows.unreadable:
            return
        given = set(rows.year_budgets)
        if None in given:
            self.refuse_year(rows, {"year_budget": [_("Give the initiative's whole budget for %(year)s on every row of the year.") % {"year": rows.year}]})
            return
        if len(given) > 1:
            self.refuse_year(rows, {"year_budget": [_(
                "The rows of %(year)s give different budgets for the year; give the same on each (lines %(lines)s)."
            ) % {"year": rows.year, "lines": ", ".join(str(line) for line in rows.lines)}]})
            return
        if any(line in self.year_errors for line in rows.lines):
            return  # a share's own refusal first: the sum of wrong amounts says nothing
        try:
            funding_year_check(initiative=rows.initiative, year=rows.year, budget=rows.year_budgets[0], shares=rows.shares)
        except ValidationError as error:
            self.refuse_year(rows, {YEAR_COLUMNS.get(name, name): messages for name, messages in error.message_dict.items()})

    def refuse(self, line: int, errors: dict[str, list[str]]) -> None:
        mine = self.year_errors.setdefault(line, {})
        for column, messages in errors.items():
            mine.setdefault(column, []).extend(messages)

    def refuse_year(self, rows: YearRows, errors: dict[str, list[str]]) -> None:
        for line in rows.lines:
            self.refuse(line, errors)

    def before_import_row(self, row, **kwargs):
        self.line = kwargs.get("row_number") or 0
        super().before_import_row(row, **kwargs)

    # --- Who may write, and writing ---

    def scope_errors_after(self, instance) -> dict:
        errors = {column: ValidationError(messages) for column, messages in self.year_errors.get(self.line, {}).items()}
        initiative = instance.funding_year.initiative
        if not (self.is_secretariat or initiative.lead_id in self.own_authority_ids()):
            errors["code"] = ValidationError(
                _("Initiative %(code)s is led by %(lead)s; you can import funding only of initiatives your authority leads.")
                % {"code": initiative.code_with_strategy, "lead": initiative.lead}
            )
        return errors

    def do_instance_save(self, instance, is_create):
        funding_year = instance.funding_year
        key = (funding_year.initiative_id, funding_year.year)
        if key not in self.years_saved:
            # The first changed row of a year writes the whole year, as the file gives it.
            rows = self.years[key]
            funding_year_set(initiative=rows.initiative, year=rows.year, budget=rows.year_budgets[0],
                             shares=rows.shares, reason=self.change_reason())
            self.years_saved.add(key)
        saved = FundingShare.objects.select_related("funding_year").get(
            funding_year__initiative_id=key[0], funding_year__year=key[1], party=instance.party)
        instance.pk, instance.funding_year = saved.pk, saved.funding_year
        instance._state.adding = False
