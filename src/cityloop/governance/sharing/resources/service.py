"""Resource rules: who may read and edit the catalogue, field-by-field checks, a resource's level."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from cityloop.governance.catalogue.service import LEVELS, field
from cityloop.governance.sharing import history
from cityloop.governance.sharing.resources import repository as repo
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.governance.sharing.resources.schemas import FieldOut, ResourceIn, ResourceOut
from cityloop.governance.sharing.resources.sources import SOURCES
from cityloop.governance.sharing.states import OPENING_META, SHARING_META, Frequency, OpeningType, SharingType
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
KINDS = ("table", "view", "api")
Errors = dict[str, tuple[str, str]]


def field_out(source: str, name: str) -> FieldOut:
    """An offered column with its catalogue grade; a derived value (the case number) is graded 一般 like its id."""
    declared = field(SOURCES[source].table, name)
    if declared is None:
        return FieldOut(name=name, level="一般", pi=False, sensitive=False, mask=None)
    return FieldOut(name=name, level=declared.level, pi=declared.pi, sensitive=declared.sensitive,
                    mask=declared.mask)


def level_of(source: str, names: list[str]) -> str:
    """The highest level among the columns (核心 above 重要 above 一般)."""
    levels = {field_out(source, n).level for n in names} or {"一般"}
    return min(levels, key=LEVELS.index)


def present(resource: ShareResource, names: dict[int, str], lang: str = "zh") -> ResourceOut:
    """The API and page view of a resource."""
    en = lang == "en"
    return ResourceOut(
        id=resource.id, code=resource.code, title=resource.title, title_en=resource.title_en,
        description=resource.description, owner_unit_id=resource.owner_unit_id,
        owner_unit=names.get(resource.owner_unit_id, ""), kind=resource.kind, source=resource.source,
        update_frequency=resource.update_frequency, sharing_type=resource.sharing_type,
        sharing_label=SHARING_META[resource.sharing_type][1 if en else 0], opening_type=resource.opening_type,
        opening_label=OPENING_META[resource.opening_type][1 if en else 0], conditions=resource.conditions,
        level=level_of(resource.source, list(resource.fields)),
        fields=[field_out(resource.source, n) for n in resource.fields], is_active=resource.is_active)


def _staff(subject: Subject) -> None:
    if not subject.is_staff or subject.kind != "user":
        raise Forbidden("仅工作人员可查看数据资源目录", "Only staff may read the data resource catalogue")


def list_resources(session: Session, subject: Subject, lang: str = "zh") -> list[ResourceOut]:
    """The whole catalogue (descriptions only, no data): staff."""
    _staff(subject)
    names = repo.unit_names(session)
    return [present(r, names, lang) for r in repo.all_resources(session)]


def get_resource(session: Session, subject: Subject, code: str, lang: str = "zh") -> ResourceOut:
    """One resource by code."""
    _staff(subject)
    return present(_resource(session, code), repo.unit_names(session), lang)


def _resource(session: Session, code: str) -> ShareResource:
    resource = repo.by_code(session, code)
    if resource is None:
        raise NotFound("数据资源不存在", "No such data resource", code=code)
    return resource


def check(session: Session, data: ResourceIn) -> Errors:
    """Every problem of a resource payload, field by field."""
    errors: Errors = {}
    if not _CODE.match(data.code):
        errors["code"] = ("编码只能用小写字母、数字、- 和 _（2-40位）", "Use 2-40 lower-case letters, digits, - or _")
    if not data.title.strip():
        errors["title"] = ("请填写名称", "A title is required")
    if repo.unit(session, data.owner_unit_id) is None:
        errors["owner_unit_id"] = ("数源单位不存在", "No such owner unit")
    choices = {"kind": (data.kind, KINDS), "update_frequency": (data.update_frequency, tuple(Frequency)),
               "sharing_type": (data.sharing_type, tuple(SharingType)),
               "opening_type": (data.opening_type, tuple(OpeningType))}
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            errors[name] = (f"取值应为 {', '.join(allowed)}", f"Must be one of {', '.join(allowed)}")
    source = SOURCES.get(data.source)
    if source is None:
        errors["source"] = (f"来源应为 {', '.join(SOURCES)}", f"Source must be one of {', '.join(SOURCES)}")
    elif not data.fields or set(data.fields) - set(source.offered) or len(set(data.fields)) != len(data.fields):
        bad = sorted(set(data.fields) - set(source.offered))
        errors["fields"] = (f"请选择来源表提供的字段（不重复）{bad or ''}",
                            f"Pick distinct columns the source offers {bad or ''}")
    if data.sharing_type == SharingType.NONE and not data.conditions.strip():
        errors["conditions"] = ("不予共享的资源须说明理由", "A resource that is not shared needs the reason")
    return errors


def save_resource(session: Session, subject: Subject, data: ResourceIn, code: str | None = None,
                  lang: str = "zh") -> ResourceOut:
    """Create a resource (`code` None) or edit the one with `code`: administrators; nothing is written on error."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("仅管理员可编辑数据资源目录", "Only administrators may edit the data resource catalogue")
    errors = check(session, data)
    if errors:
        raise ValidationFailed(errors)
    resource = _resource(session, code) if code else ShareResource()
    if repo.by_code(session, data.code) not in (None, resource):
        raise Conflict("资源编码已存在", "A resource with this code exists", code=data.code)
    for name, value in data.model_dump().items():
        setattr(resource, name, value)
    session.add(resource)
    session.flush()
    history.log(session, subject, "resource", resource.id, "resource_save" if code else "resource_create",
                "active" if resource.is_active else "inactive", detail={"code": resource.code})
    session.commit()
    return present(resource, repo.unit_names(session), lang)
