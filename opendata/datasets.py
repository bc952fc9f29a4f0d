"""The open data: which datasets are published, their columns (the published whitelist) and their rows.

Only the non-personal portfolio: no user, no email address, no free text typed by people (no descriptions,
notes, report texts or reasons). Only what `publishable()` lets through: the demo's illustrative records
never. Column names are fixed English identifiers, so a consumer's code does not change with the language;
each column has a Danish and an English meaning, shown on /open-data/.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from authorities.models import Authority
from initiatives.models import Dependency, Initiative
from strategies.models import Strategy


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[tuple]]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _strategy_rows() -> Iterable[tuple]:
    return Strategy.objects.order_by("start_year", "code").values_list(
        "code", "name_da", "name_en", "start_year", "end_year", "kind", "source_url"
    ).iterator(chunk_size=2000)


def _initiative_rows() -> Iterable[tuple]:
    # An institution without a level of its own takes its parent's: the effective level, in one query.
    levels = Authority.objects.effective_levels()
    rows = (
        Initiative.objects.publishable()
        .order_by(F("strategy__start_year").asc(nulls_last=True), "code", "pk")
        .values_list(
            "pk", "strategy__code", "code", "title_da", "title_en", "lead__name_da", "lead_id", "lead__cvr",
            "status", "health", "schedule_health", "cost_health", "benefits_health", "summary__at_risk",
            "baseline_start", "baseline_end", "forecast_start", "forecast_end", "source_url",
        )
        .iterator(chunk_size=2000)
    )
    for row in rows:
        yield (*row[:6], levels.get(row[6], ""), *row[7:])


def _dependency_rows() -> Iterable[tuple]:
    return (
        Dependency.objects.publishable()
        .order_by("source_id", "target_id", "pk")
        .values_list("source_id", "source__strategy__code", "source__code", "target_id", "target__strategy__code",
                     "target__code", "kind", "criticality", "needed_by")
        .iterator(chunk_size=2000)
    )


DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in [
        Dataset(
            name="strategies",
            title=_("The joint public-sector digital strategies"),
            description=_("Every joint digital strategy of central government, the regions and the municipalities since 2001, with its period and source."),
            columns=(
                Column("strategy", _("the strategy's code, e.g. 2022-2025")),
                Column("name_da", _("its name in Danish")),
                Column("name_en", _("its name in English")),
                Column("start_year", _("first year")),
                Column("end_year", _("last year")),
                Column("kind", _("joint_public, national, joint_municipal_regional or sector")),
                Column("source_url", _("where it is published")),
            ),
            rows=_strategy_rows,
        ),
        Dataset(
            name="initiatives",
            title=_("Initiatives of the joint digital strategies"),
            description=_("The initiatives of the joint digital strategies with their lead authority, status, health lights (schedule, cost, benefits, overall), whether a dependency puts them at risk, and their planned and forecast dates."),
            columns=(
                Column("id", _("the initiative's number in this dataset; dependencies refer to it")),
                Column("strategy", _("the strategy's code; initiative codes repeat across strategies")),
                Column("code", _("the initiative's code within its strategy")),
                Column("title_da", _("title in Danish")),
                Column("title_en", _("title in English (may be empty)")),
                Column("lead_authority", _("the authority that leads it")),
                Column("lead_level", _("its level of government: central, regional, municipal, or partner (outside the public sector)")),
                Column("lead_cvr", _("the lead's CVR number, where known")),
                Column("status", _("planned, active, paused, completed or cancelled")),
                Column("health", _("overall light: green, yellow or red (the worst of the three below)")),
                Column("schedule_health", _("schedule light, from the forecast end against the baseline end")),
                Column("cost_health", _("cost light, from the forecast cost against the baseline budget")),
                Column("benefits_health", _("benefits light")),
                Column("at_risk", _("true when an initiative it depends on puts it at risk; empty until computed")),
                Column("baseline_start", _("approved start (ISO 8601 date)")),
                Column("baseline_end", _("approved end (ISO 8601 date)")),
                Column("forecast_start", _("forecast start (ISO 8601 date)")),
                Column("forecast_end", _("forecast end (ISO 8601 date)")),
                Column("source_url", _("a public source describing it, where there is one")),
            ),
            rows=_initiative_rows,
        ),
        Dataset(
            name="dependencies",
            title=_("Dependencies between initiatives"),
            description=_("Which initiative needs which: each row says that the source initiative depends on the target initiative, of what kind, how critically, and by when it is needed."),
            columns=(
                Column("source_id", _("the initiative that depends (its id in the initiatives dataset)")),
                Column("source_strategy", _("its strategy's code")),
                Column("source_code", _("its code")),
                Column("target_id", _("the initiative it depends on (its id in the initiatives dataset)")),
                Column("target_strategy", _("its strategy's code")),
                Column("target_code", _("its code")),
                Column("kind", _("what the target delivers: prerequisite, shared_infrastructure, data_exchange, legal_basis or funding")),
                Column("criticality", _("low, medium or high")),
                Column("needed_by", _("when the source needs it (ISO 8601 date), where agreed")),
            ),
            rows=_dependency_rows,
        ),
    ]
}
