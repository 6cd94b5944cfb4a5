"""Base-map tiles for the page maps: the settings the map script reads and the origin the CSP must allow."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cityloop.config import get_settings


def tile_config() -> dict[str, Any] | None:
    """What map.js needs to draw tiles (`CITYLOOP_TILE_*`), or None for the offline base from /api/v1/basemap."""
    s = get_settings()
    if not s.tile_url:
        return None
    return {"url": s.tile_url, "label_url": s.tile_label_url or None, "attribution": s.tile_attribution,
            "subdomains": s.tile_subdomains, "max_zoom": s.tile_max_zoom}


def _origins(template: str, subdomains: str) -> list[str]:
    hosts = [template.replace("{s}", sub) for sub in subdomains] if "{s}" in template else [template]
    out = []
    for url in hosts:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            out.append(f"{parts.scheme}://{parts.netloc}")
    return out


def tile_origin() -> str | None:
    """CSP sources (space-separated) the tile images load from, for `img-src`; None when only 'self' is needed.

    `{s}` is expanded over `CITYLOOP_TILE_SUBDOMAINS`, so 天地图's t0–t7 hosts are listed one by one rather
    than as a wildcard; a tile server on a relative path is same-origin.
    """
    s = get_settings()
    origins = _origins(s.tile_url, s.tile_subdomains) + _origins(s.tile_label_url, s.tile_subdomains)
    unique = list(dict.fromkeys(origins))
    return " ".join(unique) if unique else None
