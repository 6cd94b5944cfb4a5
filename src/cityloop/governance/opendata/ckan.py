"""CKAN's Action API shapes (package_list, package_show, package_search) over the open datasets."""

from __future__ import annotations

from typing import Any

from cityloop.governance.opendata.dcat import FILE_TYPES, download_url
from cityloop.governance.opendata.service import Dataset, OpenTable

LICENCE = {"license_id": "cc-by", "license_title": "Creative Commons Attribution 4.0",
           "license_url": "https://creativecommons.org/licenses/by/4.0/"}


def envelope(help_url: str, result: Any) -> dict[str, Any]:
    """CKAN's success envelope."""
    return {"help": help_url, "success": True, "result": result}


def failure(help_url: str, kind: str, message: str) -> dict[str, Any]:
    """CKAN's error envelope (`Not Found Error`, `Validation Error`)."""
    return {"help": help_url, "success": False, "error": {"__type": kind, "message": message}}


def package(base: str, d: Dataset, built: OpenTable, organisation: tuple[str, str]) -> dict[str, Any]:
    """One dataset as a CKAN package dict."""
    modified = built.built_at.replace(tzinfo=None).isoformat(timespec="seconds")
    org_name, org_title = organisation
    resources = [{"id": f"{d.id}-{fmt}", "package_id": d.id, "name": f"{d.title} ({FILE_TYPES[fmt][0]})",
                  "url": download_url(base, d.id, fmt), "format": FILE_TYPES[fmt][0], "mimetype": FILE_TYPES[fmt][1],
                  "position": i, "state": "active", "last_modified": modified}
                 for i, fmt in enumerate(d.formats)]
    tags = [{"name": k, "display_name": k, "state": "active"} for k in d.keywords]
    extras = [{"key": "theme", "value": d.theme}, {"key": "frequency", "value": d.periodicity},
              {"key": "title_en", "value": d.title_en}]
    if built.start and built.end:
        extras += [{"key": "temporal_start", "value": built.start.isoformat()},
                   {"key": "temporal_end", "value": built.end.isoformat()}]
    return {"id": d.id, "name": d.id, "title": d.title, "notes": d.description, "type": "dataset", "state": "active",
            "private": False, "metadata_created": modified, "metadata_modified": modified, "url": f"{base}/open#{d.id}",
            "organization": {"name": org_name, "title": org_title, "type": "organization", "is_organization": True},
            "owner_org": org_name, "author": org_title, "maintainer": "12345", **LICENCE, "tags": tags,
            "num_tags": len(tags), "resources": resources, "num_resources": len(resources), "extras": extras}


def matches(d: Dataset, query: str) -> bool:
    """A plain package_search: every word in the title, description or keywords (either language)."""
    text = " ".join((d.id, d.title, d.title_en, d.description, d.description_en, *d.keywords)).lower()
    return all(word in text for word in query.lower().split())
