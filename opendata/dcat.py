"""The DCAT-AP-DK description of the open data (RDF, served as Turtle at /open-data/catalog.ttl).

A catalogue with its publisher, one dataset per published table and one distribution per format. Every
property DCAT-AP-DK makes mandatory is there (catalogue: title, description, publisher; dataset: title,
description; distribution: access URL; agent: name), in Danish and English, with the recommended ones a
harvester such as Datavejviser uses: contact point, theme, spatial and temporal coverage, frequency, licence,
format and media type, modification date.
"""

import datetime

from django.conf import settings
from django.utils import translation
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from .datasets import DATASETS

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ORG = Namespace("http://www.w3.org/ns/org#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
FORMATS = {"csv": ("CSV", "text/csv"), "json": ("JSON", "application/json")}
LANGUAGES = ("da", "en")


def _both_languages(graph: Graph, subject, predicate, text) -> None:
    for language in LANGUAGES:
        with translation.override(language):
            graph.add((subject, predicate, Literal(str(text), lang=language)))


def catalog_graph(*, base: str, modified: datetime.datetime | None, first_year: int, last_year: int) -> Graph:
    """The graph for the catalogue at `base` (the /open-data/ address)."""
    from django.utils.translation import gettext_lazy as _

    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("dcatap", DCATAP)):
        graph.bind(prefix, namespace)

    publisher = URIRef(f"{base}#publisher")
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, RDF.type, ORG.Organization))
    graph.add((publisher, FOAF.name, Literal(settings.OPEN_DATA_PUBLISHER_DA, lang="da")))
    graph.add((publisher, FOAF.name, Literal(settings.OPEN_DATA_PUBLISHER_EN, lang="en")))

    contact = BNode()
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(settings.OPEN_DATA_PUBLISHER_DA, lang="da")))
    graph.add((contact, VCARD.hasURL, URIRef(base)))
    if settings.OPEN_DATA_CONTACT_EMAIL:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{settings.OPEN_DATA_CONTACT_EMAIL}")))

    catalog = URIRef(f"{base}#catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _both_languages(graph, catalog, DCTERMS.title, _("Strategy Portfolio: the joint public-sector digital strategies"))
    _both_languages(graph, catalog, DCTERMS.description, _(
        "Open data from Strategy Portfolio, the tool the secretariat of the joint public-sector digital strategies "
        "steers them with: the strategies, their initiatives and the dependencies between them."
    ))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, FOAF.homepage, URIRef(base)))
    graph.add((catalog, DCTERMS.license, URIRef(settings.OPEN_DATA_LICENSE_URL)))
    for code in ("DAN", "ENG"):
        graph.add((catalog, DCTERMS.language, URIRef(f"{EU}language/{code}")))
    if modified:
        graph.add((catalog, DCTERMS.modified, Literal(modified.date(), datatype=XSD.date)))

    period = BNode()
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, Literal(datetime.date(first_year, 1, 1), datatype=XSD.date)))
    graph.add((period, DCAT.endDate, Literal(datetime.date(last_year, 12, 31), datatype=XSD.date)))

    for dataset in DATASETS.values():
        node = URIRef(f"{base}#{dataset.name}")
        graph.add((catalog, DCAT.dataset, node))
        graph.add((node, RDF.type, DCAT.Dataset))
        graph.add((node, DCTERMS.identifier, Literal(f"{base}#{dataset.name}")))
        _both_languages(graph, node, DCTERMS.title, dataset.title)
        _both_languages(graph, node, DCTERMS.description, dataset.description)
        graph.add((node, DCTERMS.publisher, publisher))
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((node, DCAT.theme, URIRef(f"{EU}data-theme/GOVE")))
        graph.add((node, DCTERMS.spatial, URIRef(f"{EU}country/DNK")))
        graph.add((node, DCTERMS.temporal, period))
        graph.add((node, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/CONT")))
        graph.add((node, DCAT.landingPage, URIRef(base)))
        if modified:
            graph.add((node, DCTERMS.modified, Literal(modified.date(), datatype=XSD.date)))
        for keyword in ("digitalisering", "digitaliseringsstrategi", "fællesoffentlig"):
            graph.add((node, DCAT.keyword, Literal(keyword, lang="da")))
        for extension, (file_type, media_type) in FORMATS.items():
            url = URIRef(f"{base}{dataset.name}.{extension}")
            distribution = URIRef(f"{base}#{dataset.name}-{extension}")
            graph.add((node, DCAT.distribution, distribution))
            graph.add((distribution, RDF.type, DCAT.Distribution))
            graph.add((distribution, DCAT.accessURL, url))
            graph.add((distribution, DCAT.downloadURL, url))
            graph.add((distribution, DCTERMS.title, Literal(f"{dataset.name}.{extension}")))
            _both_languages(graph, distribution, DCTERMS.description, dataset.title)
            graph.add((distribution, DCTERMS.format, URIRef(f"{EU}file-type/{file_type}")))
            graph.add((distribution, DCAT.mediaType, URIRef(f"http://www.iana.org/assignments/media-types/{media_type}")))
            graph.add((distribution, DCTERMS.license, URIRef(settings.OPEN_DATA_LICENSE_URL)))
            graph.add((distribution, DCATAP.availability, URIRef("http://data.europa.eu/r5r/availability/stable")))
    return graph
