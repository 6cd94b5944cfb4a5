"""Places: the public directory and their QR doorplates (政务门牌) linking to the place's page."""

from __future__ import annotations

import io

import segno
from sqlalchemy.orm import Session

from cityloop.config import get_settings
from cityloop.kit.errors import NotFound
from cityloop.services.items import repository as items_repo
from cityloop.services.items.models import ServiceItem
from cityloop.services.places import repository as repo
from cityloop.services.places.models import Place


def get_place(session: Session, code: str) -> Place:
    """A place, or NotFound."""
    place = repo.by_code(session, code)
    if place is None:
        raise NotFound("没有这个服务场所", "No such service place")
    return place


def places(session: Session) -> list[Place]:
    """The public directory of places."""
    return repo.all_places(session)


def places_for_item(session: Session, item_code: str) -> list[Place]:
    """Where an item can be handled in person."""
    return repo.handling(session, item_code)


def page_url(place: Place) -> str:
    """The public address a doorplate encodes."""
    return f"{get_settings().public_base_url.rstrip('/')}/services/places/{place.code}"


def doorplate(place: Place, kind: str) -> bytes:
    """The doorplate QR as SVG or PNG."""
    qr = segno.make(page_url(place), error="m")
    out = io.BytesIO()
    qr.save(out, kind="png" if kind == "png" else "svg", scale=8, border=2)
    return out.getvalue()


def doorplate_inline(place: Place) -> str:
    """The doorplate QR as inline SVG for the printable sheet."""
    return str(segno.make(page_url(place), error="m").svg_inline(scale=4))


def items_of(session: Session, place: Place) -> list[ServiceItem]:
    """The live items a place handles."""
    found = items_repo.active_by_codes(session, place.item_codes)
    return [found[c] for c in place.item_codes if c in found]
