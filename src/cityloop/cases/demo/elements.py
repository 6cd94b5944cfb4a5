"""Demo standard addresses and elements: roads and estates of the demo communities, placed inside their grids."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from cityloop.areas import repository as repo
from cityloop.areas.elements import repository as element_repo
from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import (
    COMPONENT_SUBTYPES,
    KIND_CODE_CLASS,
    BuildingUse,
    ComponentStatus,
    ElementKind,
    EntityType,
    PersonTag,
    PlaceKind,
)
from cityloop.areas.elements.rows import ParsedRow
from cityloop.areas.grids import service as grids
from cityloop.kit.auth import SYSTEM

ADDRESSES_PER_COMMUNITY = 14
_ESTATE_SUFFIXES = ("花园", "小区", "新村", "公寓", "家园", "苑")
_FALLBACK_ROADS = ("文化路", "建设路", "人民路", "解放路", "和平路", "中山路")
_SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董")
_GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉晨宇浩婷雪琳")
_SHOPS = ("便利店", "餐饮店", "理发店", "水果店", "药店", "五金店", "面馆", "快递驿站", "洗衣店", "烟酒店")
_COMPANIES = ("科技有限公司", "贸易有限公司", "文化传媒有限公司", "物业管理有限公司", "餐饮管理有限公司")
# Components per grid: (subtype, how many); then one extra drawn from the rest.
_PER_GRID = (("井盖", 2), ("路灯", 1), ("消火栓", 1))
_EXTRA = ("路灯", "垃圾箱", "雨水篦子", "监控摄像头", "交通标志", "公交站亭", "交通信号灯", "排水口")
_PLACES = ((PlaceKind.SCHOOL, "{}小学"), (PlaceKind.MARKET, "{}农贸市场"), (PlaceKind.NURSING_HOME, "{}养老院"),
           (PlaceKind.HOSPITAL, "{}社区卫生服务中心"), (PlaceKind.CONSTRUCTION_SITE, "{}安置房项目工地"),
           (PlaceKind.MALL, "{}商业中心"), (PlaceKind.VENUE, "{}文体中心"))
_CREDIT = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_issued: set[str] = set()  # ID numbers of this run: the table keeps them unique


@dataclass
class _Community:
    code: str
    name: str
    prefix: str  # province … town names, the start of every address in the community
    roads: tuple[str, ...]
    grids: list[tuple[str, BaseGeometry]] = field(default_factory=list)


@dataclass
class _Address:
    row: ParsedRow
    estate: str | None
    community: _Community


def seed_elements(session: Session, seed: int = 42) -> dict[str, int]:
    """Create the demo standard-address table and elements in the existing grids; returns counts per kind."""
    rng = random.Random(f"{seed}:elements")
    _issued.clear()
    communities = _communities(session)
    if not communities:
        return {}
    addresses = _addresses(communities, rng)
    elements.insert_addresses(session, [a.row for a in addresses])
    _attach_ids(session, addresses)
    made = {"addresses": len(addresses)}
    buildings = [a for a in addresses if a.estate or rng.random() < 0.3]
    made["buildings"] = _insert(session, ElementKind.BUILDINGS, [_building(a, rng) for a in buildings])
    _attach_ids(session, addresses)  # buildings linked themselves to their addresses
    homes = [a for a in buildings if a.estate]
    made["people"] = _insert(session, ElementKind.PEOPLE, [p for a in homes for p in _people(a, rng)])
    shops = [a for a in addresses if not a.estate]
    made["entities"] = _insert(session, ElementKind.ENTITIES, [_entity(a, rng) for a in shops])
    made["components"] = _insert(session, ElementKind.COMPONENTS, list(_components(communities, rng)))
    made["places"] = _insert(session, ElementKind.PLACES, [_place(c, rng) for c in communities])
    session.commit()
    return made


def _insert(session: Session, kind: ElementKind, rows: list[ParsedRow]) -> int:
    return len(elements.insert_rows(session, kind, rows))


# ------------------------------------------------------------------------------------------------ places


def _communities(session: Session) -> list[_Community]:
    """Communities that have active grids, with their address prefix, roads and grid shapes."""
    by_code: dict[str, _Community] = {}
    names: dict[str, str] = {}
    roads = _demo_roads()
    for grid in repo.list_grids(session, SYSTEM):
        code = grid.division_code
        if len(code) != 12:
            continue
        if code not in by_code:
            prefix = "".join(_name(session, names, code[:w]) for w in (2, 4, 6, 9))
            by_code[code] = _Community(code, _name(session, names, code), prefix, roads.get(code[:9], _FALLBACK_ROADS))
        shape = grids.shape_of(grid)
        shapely.prepare(shape)
        by_code[code].grids.append((grid.code, shape))
    return [by_code[c] for c in sorted(by_code)]


def _name(session: Session, cache: dict[str, str], code: str) -> str:
    if code not in cache:
        found = repo.division(session, code)
        cache[code] = found.name if found else ""
    return cache[code]


def _demo_roads() -> dict[str, tuple[str, ...]]:
    try:
        from cityloop.cases.demo.texts import STREETS
    except ImportError:  # the cases demo is optional
        return {}
    return {s.code: s.roads for s in STREETS}


def _point_in(shape: BaseGeometry, rng: random.Random) -> tuple[float, float]:
    """A random point strictly inside a grid (rejection sampling in its bounding box)."""
    x0, y0, x1, y1 = shape.bounds
    for _ in range(20):
        xs = np.array([rng.uniform(x0, x1) for _ in range(16)])
        ys = np.array([rng.uniform(y0, y1) for _ in range(16)])
        inside = np.flatnonzero(shapely.contains_xy(shape, xs, ys))
        if inside.size:
            return round(float(xs[inside[0]]), 6), round(float(ys[inside[0]]), 6)
    point = shape.representative_point()
    return point.x, point.y


def _row(community: _Community, rng: random.Random, kind: ElementKind | None, fields: dict[str, Any]) -> ParsedRow:
    grid_code, shape = rng.choice(community.grids)
    lng, lat = _point_in(shape, rng)
    klass = KIND_CODE_CLASS.get(kind) if kind else None
    return ParsedRow(line=0, lng=lng, lat=lat, grid_code=grid_code, division_code=community.code,
                     code_class=(int(klass[0]), klass[1]) if klass else (0, 0), fields=fields)


# ------------------------------------------------------------------------------------------------ addresses


def _addresses(communities: list[_Community], rng: random.Random) -> list[_Address]:
    """Door-plate and estate addresses, numbered per road and street so every text is unique."""
    numbers: dict[tuple[str, str], int] = {}

    def next_number(community: _Community, road: str) -> str:
        key = (community.code[:9], road)
        numbers[key] = numbers.get(key, 0) + rng.randint(1, 4) * 2
        return f"{numbers[key]}号"

    out: list[_Address] = []
    for community in communities:
        short = community.name.removesuffix("社区").removesuffix("村") or community.name
        # Two estates per community, each at one door plate with numbered buildings (幢) inside.
        estates = [(short + suffix, road, next_number(community, road)) for suffix, road in zip(
            rng.sample(_ESTATE_SUFFIXES, 2), rng.choices(community.roads, k=2), strict=True)]
        for i in range(ADDRESSES_PER_COMMUNITY):
            estate = building = None
            if i < ADDRESSES_PER_COMMUNITY // 2:
                (estate, road, number), building = estates[i % 2], f"{i // 2 + 1}"
            else:
                road = rng.choice(community.roads)
                number = next_number(community, road)
            text = f"{community.prefix}{road}{number}" + (f"{estate}{building}幢" if estate else "")
            row = _row(community, rng, None, {"text": text, "road": road, "number": number, "poi": estate,
                                              "building": building, "community": community.name,
                                              **_levels(community.prefix)})
            row.address = text
            out.append(_Address(row, estate, community))
    return out


def _levels(prefix: str) -> dict[str, str | None]:
    """Province, city, district and town names back out of an address prefix."""
    names: dict[str, str | None] = {}
    rest = prefix
    for level, ends in (("province", "省"), ("city", "市"), ("district", "区县市"), ("town", "道镇乡")):
        cut = next((i + 1 for i, ch in enumerate(rest) if ch in ends), 0)
        names[level], rest = (rest[:cut] or None), rest[cut:]
    return names


def _attach_ids(session: Session, addresses: list[_Address]) -> None:
    """Remember each address's id and building code on its row, for the elements placed at it."""
    session.flush()
    found = element_repo.addresses_by_text(session, [a.row.address for a in addresses])
    for address in addresses:
        address.row.address_id, address.row.building_code = found[address.row.address]


def _at(address: _Address, kind: ElementKind, **fields: Any) -> ParsedRow:
    """A row for an element at a standard address (its point, grid and building)."""
    base, klass = address.row, KIND_CODE_CLASS[kind]
    return ParsedRow(line=0, lng=base.lng, lat=base.lat, grid_code=base.grid_code, division_code=base.division_code,
                     address=base.address, address_id=base.address_id, building_code=base.building_code,
                     code_class=(int(klass[0]), klass[1]), fields=fields)


# ------------------------------------------------------------------------------------------------ elements


def _building(address: _Address, rng: random.Random) -> ParsedRow:
    if address.estate:
        return _at(address, ElementKind.BUILDINGS, name=f"{address.estate}{address.row.fields['building']}幢",
                   floors=rng.choice((6, 7, 11, 18, 24, 28, 33)), use=BuildingUse.RESIDENTIAL)
    use = rng.choice((BuildingUse.COMMERCIAL, BuildingUse.OFFICE, BuildingUse.MIXED, BuildingUse.PUBLIC))
    return _at(address, ElementKind.BUILDINGS, name=f"{address.row.fields['road']}{address.row.fields['number']}楼",
               floors=rng.randint(2, 20), use=use)


def _people(address: _Address, rng: random.Random) -> Iterator[ParsedRow]:
    household = f"{address.row.division_code}{rng.randint(0, 99999):05d}"
    for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
        year = rng.randint(1938, 2020)
        male = rng.random() < 0.5
        tags = []
        if year < 1955 and rng.random() < 0.3:
            tags.append(PersonTag.LONELY_ELDERLY)
        for tag, share in ((PersonTag.KEY_PERSON, 0.01), (PersonTag.DISABLED, 0.02), (PersonTag.LOW_INCOME, 0.02),
                           (PersonTag.VETERAN, 0.02), (PersonTag.MIGRANT, 0.1)):
            if rng.random() < share:
                tags.append(tag)
        yield _at(address, ElementKind.PEOPLE, name=rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=2)),
                  phone=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
                  id_number=_id_number(address.row.division_code or "330100", year, male, rng),
                  gender="m" if male else "f", birth_year=year, household_no=household, tags=sorted(tags))


def _id_number(division: str, year: int, male: bool, rng: random.Random) -> str:
    """A well-formed resident ID number (GB 11643 check character) for a made-up person, never handed out twice."""
    while (found := _one_id_number(division, year, male, rng)) in _issued:
        pass
    _issued.add(found)
    return found


def _one_id_number(division: str, year: int, male: bool, rng: random.Random) -> str:
    seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    body = f"{division[:6]}{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _credit_code(division: str, individual: bool, rng: random.Random) -> str:
    """A well-formed unified social credit code (GB 32100 check character)."""
    body = ("92" if individual else "91") + division[:6] + "".join(rng.choices(_CREDIT, k=9))
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(_CREDIT.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + _CREDIT[(31 - total % 31) % 31]


def _entity(address: _Address, rng: random.Random) -> ParsedRow:
    individual = rng.random() < 0.7
    road = address.row.fields["road"]
    name = road + rng.choice(_SHOPS) if individual else f"杭州{rng.choice(_GIVEN)}{rng.choice(_GIVEN)}" \
        + rng.choice(_COMPANIES)
    return _at(address, ElementKind.ENTITIES, name=name,
               credit_code=_credit_code(address.row.division_code or "330100", individual, rng),
               entity_type=EntityType.INDIVIDUAL if individual else EntityType.ENTERPRISE)


def _components(communities: list[_Community], rng: random.Random) -> Iterator[ParsedRow]:
    for community in communities:
        for grid_code, shape in community.grids:
            kinds = [name for name, n in _PER_GRID for _ in range(n)] + [rng.choice(_EXTRA)]
            for subtype in kinds:
                klass, sub, _en = COMPONENT_SUBTYPES[subtype]
                lng, lat = _point_in(shape, rng)
                status = rng.choices(list(ComponentStatus)[:3], weights=(92, 5, 3))[0]
                yield ParsedRow(line=0, lng=lng, lat=lat, grid_code=grid_code, division_code=community.code,
                                code_class=(int(klass), sub),
                                fields={"element_class": int(klass), "subtype": subtype, "status": status})


def _place(community: _Community, rng: random.Random) -> ParsedRow:
    kind, pattern = rng.choice(_PLACES)
    short = community.name.removesuffix("社区").removesuffix("村") or community.name
    return _row(community, rng, ElementKind.PLACES, {"name": pattern.format(short), "kind": kind})
