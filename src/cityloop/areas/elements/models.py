"""Standard addresses (标准地址) and the elements placed in grids (要素入格), with their vocabularies."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.areas.elements.codes import CODE_LEN, ElementClass
from cityloop.kit.crypto import ENCRYPTED, blind_index_of
from cityloop.kit.db import Base, TimestampMixin


class ElementKind(StrEnum):
    """What block data counts and lists; also the import kinds."""

    ADDRESSES = "addresses"
    BUILDINGS = "buildings"
    PEOPLE = "people"
    ENTITIES = "entities"
    COMPONENTS = "components"
    PLACES = "places"


KIND_LABELS: dict[ElementKind, tuple[str, str]] = {
    ElementKind.ADDRESSES: ("标准地址", "Standard addresses"),
    ElementKind.BUILDINGS: ("房屋建筑", "Buildings"),
    ElementKind.PEOPLE: ("实有人口", "Residents"),
    ElementKind.ENTITIES: ("法人和商户", "Legal entities and shops"),
    ElementKind.COMPONENTS: ("城市部件", "City components"),
    ElementKind.PLACES: ("重点场所", "Key places"),
}

# Class and subclass of the element code per kind (components take theirs from the subtype). People, entities and
# places are registered to the premises they occupy (以房管人), so they sit in the building class.
KIND_CODE_CLASS: dict[ElementKind, tuple[ElementClass, int]] = {
    ElementKind.BUILDINGS: (ElementClass.BUILDING, 1),
    ElementKind.PEOPLE: (ElementClass.BUILDING, 9001),
    ElementKind.ENTITIES: (ElementClass.BUILDING, 9101),
    ElementKind.PLACES: (ElementClass.BUILDING, 9201),
}


class BuildingUse(StrEnum):
    """Main use of a building."""

    RESIDENTIAL = "residential"
    COMMERCIAL = "commercial"
    OFFICE = "office"
    INDUSTRIAL = "industrial"
    PUBLIC = "public"
    MIXED = "mixed"
    OTHER = "other"


BUILDING_USE_LABELS: dict[BuildingUse, tuple[str, str]] = {
    BuildingUse.RESIDENTIAL: ("住宅", "Residential"), BuildingUse.COMMERCIAL: ("商业", "Commercial"),
    BuildingUse.OFFICE: ("办公", "Office"), BuildingUse.INDUSTRIAL: ("工业", "Industrial"),
    BuildingUse.PUBLIC: ("公共服务", "Public service"), BuildingUse.MIXED: ("综合", "Mixed"),
    BuildingUse.OTHER: ("其他", "Other"),
}


class PersonTag(StrEnum):
    """Care and attention tags of residents (关爱/关注对象)."""

    LONELY_ELDERLY = "lonely_elderly"
    KEY_PERSON = "key_person"
    DISABLED = "disabled"
    LOW_INCOME = "low_income"
    VETERAN = "veteran"
    MIGRANT = "migrant"
    LEFT_BEHIND_CHILD = "left_behind_child"


PERSON_TAG_LABELS: dict[PersonTag, tuple[str, str]] = {
    PersonTag.LONELY_ELDERLY: ("独居老人", "Elderly living alone"), PersonTag.KEY_PERSON: ("重点人员", "Key person"),
    PersonTag.DISABLED: ("残疾人", "Person with disability"), PersonTag.LOW_INCOME: ("低保户", "Low-income household"),
    PersonTag.VETERAN: ("退役军人", "Veteran"), PersonTag.MIGRANT: ("流动人口", "Migrant"),
    PersonTag.LEFT_BEHIND_CHILD: ("留守儿童", "Left-behind child"),
}

GENDER_LABELS: dict[str, tuple[str, str]] = {"m": ("男", "Male"), "f": ("女", "Female")}


class EntityType(StrEnum):
    """Kinds of legal entity and shop."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"
    SOCIAL_ORG = "social_org"
    INSTITUTION = "institution"
    AGENCY = "agency"


ENTITY_TYPE_LABELS: dict[EntityType, tuple[str, str]] = {
    EntityType.ENTERPRISE: ("企业", "Enterprise"), EntityType.INDIVIDUAL: ("个体工商户", "Sole trader / shop"),
    EntityType.SOCIAL_ORG: ("社会组织", "Social organisation"),
    EntityType.INSTITUTION: ("事业单位", "Public institution"), EntityType.AGENCY: ("机关", "Government agency"),
}


class ComponentStatus(StrEnum):
    """Condition of a city component."""

    NORMAL = "normal"
    DAMAGED = "damaged"
    MISSING = "missing"
    RETIRED = "retired"


COMPONENT_STATUS_LABELS: dict[ComponentStatus, tuple[str, str, str]] = {
    ComponentStatus.NORMAL: ("完好", "Normal", "green"), ComponentStatus.DAMAGED: ("损坏", "Damaged", "orange"),
    ComponentStatus.MISSING: ("缺失", "Missing", "red"), ComponentStatus.RETIRED: ("废弃", "Retired", "grey"),
}

# Known component subtypes: Chinese name → (class, 4-digit subclass of the element code, English name).
COMPONENT_SUBTYPES: dict[str, tuple[ElementClass, int, str]] = {
    "井盖": (ElementClass.MUNICIPAL, 101, "Manhole cover"),
    "雨水篦子": (ElementClass.MUNICIPAL, 102, "Storm drain grate"),
    "路灯": (ElementClass.MUNICIPAL, 201, "Street lamp"),
    "消火栓": (ElementClass.MUNICIPAL, 301, "Fire hydrant"),
    "垃圾箱": (ElementClass.MUNICIPAL, 401, "Litter bin"),
    "公厕": (ElementClass.MUNICIPAL, 501, "Public toilet"),
    "交通信号灯": (ElementClass.ROAD_TRAFFIC, 101, "Traffic light"),
    "交通标志": (ElementClass.ROAD_TRAFFIC, 102, "Traffic sign"),
    "道路护栏": (ElementClass.ROAD_TRAFFIC, 201, "Guardrail"),
    "公交站亭": (ElementClass.ROAD_TRAFFIC, 301, "Bus shelter"),
    "监控摄像头": (ElementClass.IOT, 101, "CCTV camera"),
    "水位传感器": (ElementClass.IOT, 201, "Water-level sensor"),
    "燃气管线": (ElementClass.PIPELINE, 101, "Gas main"),
    "给水管线": (ElementClass.PIPELINE, 201, "Water main"),
    "排水口": (ElementClass.WATER, 101, "Outfall"),
    "河道": (ElementClass.WATER, 201, "River reach"),
}


class PlaceKind(StrEnum):
    """Kinds of key place (重点场所)."""

    SCHOOL = "school"
    HOSPITAL = "hospital"
    MARKET = "market"
    MALL = "mall"
    STATION = "station"
    CONSTRUCTION_SITE = "construction_site"
    HAZARDOUS = "hazardous"
    NURSING_HOME = "nursing_home"
    VENUE = "venue"
    OTHER = "other"


PLACE_KIND_LABELS: dict[PlaceKind, tuple[str, str]] = {
    PlaceKind.SCHOOL: ("学校", "School"), PlaceKind.HOSPITAL: ("医院", "Hospital"),
    PlaceKind.MARKET: ("农贸市场", "Food market"), PlaceKind.MALL: ("商场", "Shopping mall"),
    PlaceKind.STATION: ("车站", "Station"), PlaceKind.CONSTRUCTION_SITE: ("建筑工地", "Construction site"),
    PlaceKind.HAZARDOUS: ("危化品场所", "Hazardous chemicals site"), PlaceKind.NURSING_HOME: ("养老机构", "Care home"),
    PlaceKind.VENUE: ("文体场馆", "Sports or cultural venue"), PlaceKind.OTHER: ("其他", "Other"),
}


class AreaMixin(TimestampMixin):
    """What scoping and block data need of every row: its division and grid."""

    id: Mapped[int] = mapped_column(primary_key=True)
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(16), index=True)


class StandardAddress(AreaMixin, Base):
    """One entry of the standard-address table (标准地址库): full text, its parts, point, grid and building."""

    __tablename__ = "standard_addresses"

    text: Mapped[str] = mapped_column(String(200), unique=True)
    province: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(40))
    district: Mapped[str | None] = mapped_column(String(40))
    town: Mapped[str | None] = mapped_column(String(40))
    community: Mapped[str | None] = mapped_column(String(40))
    road: Mapped[str | None] = mapped_column(String(60))
    number: Mapped[str | None] = mapped_column(String(20))
    poi: Mapped[str | None] = mapped_column(String(80))
    building: Mapped[str | None] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(20))
    room: Mapped[str | None] = mapped_column(String(20))
    lng: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    building_code: Mapped[str | None] = mapped_column(String(CODE_LEN))


class ElementMixin(AreaMixin):
    """What every element has: a stable unified code, its division, grid, point and address."""

    # Never derived from the grid: grids merge and split, the code stays.
    code: Mapped[str] = mapped_column(String(CODE_LEN), unique=True)
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("standard_addresses.id"))
    address: Mapped[str] = mapped_column(String(200), default="")

    def place(self, division_code: str, grid_code: str | None, lng: float | None, lat: float | None) -> None:
        """Move the element; its code does not change."""
        self.division_code, self.grid_code, self.lng, self.lat = division_code, grid_code, lng, lat


class Building(ElementMixin, Base):
    """A building or house (房屋建筑)."""

    __tablename__ = "buildings"

    name: Mapped[str] = mapped_column(String(120))
    floors: Mapped[int | None] = mapped_column()
    use: Mapped[str] = mapped_column(String(20), default=BuildingUse.OTHER)


class Person(ElementMixin, Base):
    """A resident (实有人口); name, phone and ID number are encrypted, the ID number has a blind index."""

    __tablename__ = "people"

    name: Mapped[str] = mapped_column(String(255), info=ENCRYPTED)
    phone: Mapped[str | None] = mapped_column(String(255), info=ENCRYPTED)
    id_number: Mapped[str | None] = mapped_column(String(255), info=ENCRYPTED)
    id_number_index: Mapped[str | None] = mapped_column(String(32), unique=True, info=blind_index_of("id_number"))
    gender: Mapped[str] = mapped_column(String(1), default="")
    birth_year: Mapped[int | None] = mapped_column()
    household_no: Mapped[str] = mapped_column(String(40), default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)


class LegalEntity(ElementMixin, Base):
    """A legal entity or shop (法人/商户)."""

    __tablename__ = "legal_entities"

    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    entity_type: Mapped[str] = mapped_column(String(20), default=EntityType.ENTERPRISE)


class Component(ElementMixin, Base):
    """A city component (部件): manhole cover, street lamp, hydrant …"""

    __tablename__ = "components"

    element_class: Mapped[int] = mapped_column(index=True)
    subtype: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(12), default=ComponentStatus.NORMAL)


class KeyPlace(ElementMixin, Base):
    """A key place (重点场所): school, hospital, market, construction site …"""

    __tablename__ = "key_places"

    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30), default=PlaceKind.OTHER)


ELEMENT_MODELS: dict[ElementKind, type[ElementMixin]] = {
    ElementKind.BUILDINGS: Building, ElementKind.PEOPLE: Person, ElementKind.ENTITIES: LegalEntity,
    ElementKind.COMPONENTS: Component, ElementKind.PLACES: KeyPlace,
}
