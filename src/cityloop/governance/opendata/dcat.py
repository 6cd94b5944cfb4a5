"""The open-data catalogue as DCAT-AP 3 JSON-LD: catalogue, datasets, distributions, publisher and licence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cityloop.governance.opendata.service import Dataset, OpenTable

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#", "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
SCHEMES = {"language": "Languages", "data-theme": "Data theme", "frequency": "Frequency",
           "access-right": "Access right", "file-type": "File type"}
THEMES = {"GOVE": "Government and public sector", "REGI": "Regions and cities", "SOCI": "Population and society"}
FILE_TYPES = {"csv": ("CSV", "text/csv"), "xlsx": ("XLSX",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              "geojson": ("GEOJSON", "application/geo+json")}


def _authority(scheme: str, code: str, kind: str, **more: Any) -> dict[str, Any]:
    """A concept of an EU authority table, with its scheme (vocabulary checks look for it)."""
    in_scheme = {"@id": f"{EU}{scheme}", "@type": "skos:ConceptScheme",
                 "dct:title": {"@value": SCHEMES[scheme], "@language": "en"}}
    return {"@id": f"{EU}{scheme}/{code}", "@type": kind, "skos:inScheme": in_scheme, **more}


def _text(zh: str, en: str) -> list[dict[str, str]]:
    return [{"@value": zh, "@language": "zh"}, {"@value": en, "@language": "en"}]


def _when(value: datetime) -> dict[str, str]:
    return {"@value": value.isoformat(timespec="seconds"), "@type": "xsd:dateTime"}


def _day(value: date) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def catalogue(base: str, city: tuple[str, str], entries: list[tuple[Dataset, OpenTable]],
              modified: datetime) -> dict[str, Any]:
    """The whole catalogue; `city` is (division code, name), `entries` each dataset with its current table."""
    code, name = city
    publisher_id = f"{base}/open#publisher"
    publisher = {"@id": publisher_id, "@type": "foaf:Agent",
                 "foaf:name": _text(f"{name}公共数据开放", f"{name} open data")}
    place_id = f"{base}/open/areas/{code}"
    place = {"@id": place_id, "@type": "dct:Location", "rdfs:label": name}
    graph: dict[str, Any] = {
        "@id": f"{base}/open/catalog", "@type": "dcat:Catalog",
        "dct:title": _text(f"{name}公共数据开放目录", f"{name} open data catalogue"),
        "dct:description": _text("城市治理与政务服务的开放数据，不含个人信息；统计数据按 k 匿名规则发布。",
                                 "Open data of city governance and public services, without personal data; "
                                 "statistics follow a k-anonymity rule."),
        "dct:publisher": publisher, "dct:spatial": place, "dct:modified": _when(modified),
        "foaf:homepage": {"@id": f"{base}/open", "@type": "foaf:Document"},
        "dct:language": _authority("language", "ZHO", "dct:LinguisticSystem"),
        "dct:license": {"@id": LICENCE, "@type": "dct:LicenseDocument"},
        "dcat:themeTaxonomy": {"@id": f"{EU}data-theme", "@type": "skos:ConceptScheme",
                               "dct:title": {"@value": "Data theme", "@language": "en"}},
        "dcat:service": _ckan_service(base, publisher_id),
        "dcat:dataset": [_dataset(base, d, t, publisher_id, place_id) for d, t in entries],
    }
    return {"@context": CONTEXT, "@graph": [graph]}


def _ckan_service(base: str, publisher: str) -> dict[str, Any]:
    return {"@id": f"{base}/api/3/action", "@type": "dcat:DataService",
            "dct:title": _text("CKAN 兼容接口", "CKAN-compatible API"),
            "dcat:endpointURL": {"@id": f"{base}/api/3/action/package_list", "@type": "rdfs:Resource"},
            "dct:publisher": {"@id": publisher}}


def _dataset(base: str, d: Dataset, built: OpenTable, publisher: str, place: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{base}/open/datasets/{d.id}", "@type": "dcat:Dataset", "dct:identifier": d.id,
        "dct:title": _text(d.title, d.title_en), "dct:description": _text(d.description, d.description_en),
        "dcat:keyword": list(d.keywords), "dct:publisher": {"@id": publisher}, "dct:spatial": {"@id": place},
        "dcat:theme": _authority("data-theme", d.theme, "skos:Concept",
                                 **{"skos:prefLabel": {"@value": THEMES.get(d.theme, d.theme), "@language": "en"}}),
        "dct:accrualPeriodicity": _authority("frequency", d.periodicity, "dct:Frequency"),
        "dct:accessRights": _authority("access-right", "PUBLIC", "dct:RightsStatement"),
        "dct:modified": _when(built.built_at),
        "dcat:landingPage": {"@id": f"{base}/open#{d.id}", "@type": "foaf:Document"},
        "dcat:contactPoint": {"@id": f"{base}/open#contact", "@type": "vcard:Kind",
                              "vcard:fn": "12345 政务服务便民热线", "vcard:hasTelephone": {"@id": "tel:12345"}},
        "dcat:distribution": [_distribution(base, d, fmt, built) for fmt in d.formats],
    }
    if d.temporal and built.start and built.end:
        node["dct:temporal"] = {"@type": "dct:PeriodOfTime", "dcat:startDate": _day(built.start),
                                "dcat:endDate": _day(built.end)}
    return node


def _distribution(base: str, d: Dataset, fmt: str, built: OpenTable) -> dict[str, Any]:
    url = download_url(base, d.id, fmt)
    file_type, media = FILE_TYPES[fmt]
    return {"@id": f"{base}/open/datasets/{d.id}#{fmt}", "@type": "dcat:Distribution",
            "dct:title": _text(f"{d.title}（{file_type}）", f"{d.title_en} ({file_type})"),
            "dcat:accessURL": {"@id": url, "@type": "rdfs:Resource"},
            "dcat:downloadURL": {"@id": url, "@type": "rdfs:Resource"},
            "dct:format": _authority("file-type", file_type, "dct:MediaTypeOrExtent"),
            "dcat:mediaType": {"@id": f"{IANA}{media}", "@type": "dct:MediaType"},
            "dct:license": {"@id": LICENCE, "@type": "dct:LicenseDocument"},
            "dct:modified": _when(built.built_at)}


def download_url(base: str, dataset_id: str, fmt: str) -> str:
    """Where one distribution is downloaded."""
    return f"{base}/open/datasets/{dataset_id}.{fmt}"
