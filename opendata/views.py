"""Open data (/open-data/): public, no login. A page that describes the datasets and their columns, each
dataset as CSV and JSON, and the DCAT-AP-DK description of them all (Turtle) for harvesters."""

import csv
import datetime
import json

from django.conf import settings
from django.db.models import Max, Min
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from common.spreadsheets import safe_cell
from initiatives.models import Initiative
from strategies.models import Strategy

from .datasets import DATASETS, Dataset
from .dcat import catalog_graph

# Public and the same for everyone: caches may keep a copy for a while.
public = cache_control(public=True, max_age=600)


def _dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise Http404 from None


def _cell(value):
    """A value as open data writes it: dates ISO 8601, booleans true/false, text that cannot run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_cell(value)


def _json_value(value):
    # JSON is read by programs, not spreadsheets: values as they are, dates ISO 8601.
    return value.isoformat() if isinstance(value, datetime.date) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(dataset: Dataset):
    writer = csv.writer(_Echo())  # RFC 4180: commas, quotes where needed, CRLF
    yield writer.writerow(dataset.column_names)
    for row in dataset.rows():
        yield writer.writerow([_cell(value) for value in row])


def _json_chunks(dataset: Dataset):
    names = dataset.column_names
    yield json.dumps({"dataset": dataset.name, "license": settings.OPEN_DATA_LICENSE_URL, "columns": names})[:-1]
    yield ', "records": ['
    for index, row in enumerate(dataset.rows()):
        record = {name: _json_value(value) for name, value in zip(names, row, strict=True)}
        yield ("," if index else "") + json.dumps(record, ensure_ascii=False)
    yield "]}"


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site's scripts may read it
    return response


@require_safe
@public
def dataset_csv(request, name: str):
    dataset = _dataset(name)
    response = StreamingHttpResponse(_csv_lines(dataset), content_type="text/csv; charset=utf-8; header=present")
    return _attachment(response, f"{dataset.name}.csv")


@require_safe
@public
def dataset_json(request, name: str):
    dataset = _dataset(name)
    response = StreamingHttpResponse(_json_chunks(dataset), content_type="application/json")
    return _attachment(response, f"{dataset.name}.json")


def _base() -> str:
    """The catalogue's stable address: SITE_URL's, whatever host the request came by."""
    return f"{settings.SITE_URL}{reverse('opendata:index')}"


@require_safe
@public
def catalog(request):
    years = Strategy.objects.aggregate(first=Min("start_year"), last=Max("end_year"))
    today = timezone.localdate()
    graph = catalog_graph(
        base=_base(),
        modified=Initiative.objects.publishable().aggregate(latest=Max("updated_at"))["latest"],
        first_year=years["first"] or today.year,
        last_year=years["last"] or today.year,
    )
    response = HttpResponse(graph.serialize(format="turtle"), content_type="text/turtle; charset=utf-8")
    return _attachment(response, "catalog.ttl")


@require_safe
def index(request):
    return render(request, "opendata/index.html", {
        "datasets": DATASETS.values(),
        "license_url": settings.OPEN_DATA_LICENSE_URL,
        "publisher": settings.OPEN_DATA_PUBLISHER_DA if (request.LANGUAGE_CODE or "da") == "da" else settings.OPEN_DATA_PUBLISHER_EN,
    })
