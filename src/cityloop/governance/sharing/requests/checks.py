"""Field-by-field checks of a sharing request (all problems at once, in zh and en)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from cityloop.config import get_settings
from cityloop.governance.sharing.requests import repository as repo
from cityloop.governance.sharing.requests.schemas import RequestIn
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.kit.clock import to_local, utcnow

_AREA = re.compile(r"^\d{2,12}$")


def problems(session: Session, resource: ShareResource, data: RequestIn) -> dict[str, tuple[str, str]]:
    """Every problem of `data` for `resource`, by field."""
    s = get_settings()
    errors: dict[str, tuple[str, str]] = {}
    if len(data.purpose.strip()) < 5:
        errors["purpose"] = ("请说明用途（至少5个字）", "Describe the purpose (5 characters or more)")
    offered = set(resource.fields)
    if not data.fields or set(data.fields) - offered or len(set(data.fields)) != len(data.fields):
        errors["fields"] = ("请从资源提供的字段中选择（不重复）", "Pick distinct fields the resource offers")
    today = to_local(utcnow()).date()
    if data.ends_on < data.starts_on:
        errors["ends_on"] = ("结束日期不能早于开始日期", "The end date is before the start date")
    elif data.ends_on < today:
        errors["ends_on"] = ("结束日期已过", "The end date has passed")
    elif data.ends_on - data.starts_on > timedelta(days=s.share_max_days):
        errors["ends_on"] = (f"期限不能超过{s.share_max_days}天", f"The period may not exceed {s.share_max_days} days")
    if data.area_code and not (_AREA.match(data.area_code) and data.area_code.startswith(s.city_code)
                               and repo.division_exists(session, data.area_code)):
        errors["area_code"] = ("区域代码不存在", "Unknown division code")
    if data.rate_per_minute is not None and data.rate_per_minute > s.share_max_rate_per_minute:
        errors["rate_per_minute"] = (f"频率不能超过每分钟{s.share_max_rate_per_minute}次",
                                     f"At most {s.share_max_rate_per_minute} calls per minute")
    return errors
