"""Shared test data for the policy tests: valid ID numbers and credit codes, CSV files, policies."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import SYSTEM
from cityloop.policy.policies import service as policies
from cityloop.policy.registry.persons.idnumber import check_char

PERSON_HEADER = "id_number,name,division_code,disability_level,low_income,veteran,elderly_alone,employment,extra\n"
ENTERPRISE_HEADER = ("uscc,name,industry,scale,registered_year,division_code,employees,revenue,tax_credit,high_tech,"
                     "rnd_ratio,extra\n")
CREDIT = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_number(born: date, seq: int, division: str = "330106") -> str:
    """A valid resident ID number (GB 11643) for a birth date and a 3-digit sequence (odd: male)."""
    body = f"{division[:6]}{born:%Y%m%d}{seq % 1000:03d}"
    return body + check_char(body)


def credit_code(n: int, division: str = "330106") -> str:
    """A valid unified social credit code (GB 32100) numbered n."""
    tail = ""
    for _ in range(9):
        n, r = divmod(n, 31)
        tail = CREDIT[r] + tail
    body = "91" + division[:6] + tail
    total = sum(CREDIT.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return body + CREDIT[(31 - total % 31) % 31]


def person_line(idn: str, name: str = "张三", division: str = "330106", disability: int = 0,
                low_income: bool = False, veteran: bool = False, alone: bool = False, employment: str = "employed",
                extra: dict[str, Any] | None = None) -> str:
    """One CSV line of the person registry."""
    cells = [idn, name, division, str(disability), str(low_income).lower(), str(veteran).lower(),
             str(alone).lower(), employment, json.dumps(extra or {}, ensure_ascii=False).replace('"', '""')]
    return ",".join(cells[:-1]) + f',"{cells[-1]}"\n'


def enterprise_line(uscc: str, employees: int = 10, division: str = "330106", high_tech: bool = False,
                    revenue: float = 100.0, tax: str = "A", rnd: float = 0.0) -> str:
    """One CSV line of the enterprise registry."""
    return f"{uscc},企业{uscc[-4:]},制造业,小型,2015,{division},{employees},{revenue},{tax},{str(high_tech).lower()}," \
           f"{rnd},\n"


def import_policies(session: Session, items: list[dict[str, Any]]) -> policies.PolicyImport:
    """Import policies as the system."""
    return policies.import_json(session, SYSTEM, json.dumps(items, ensure_ascii=False).encode())


def person_policy(pid: str = "P-AGE", min_age: int = 80, no_application: bool = True,
                  **extra: Any) -> dict[str, Any]:
    """A 高龄津贴-like policy: age at least `min_age`, living in 330106."""
    return {"id": pid, "title": "高龄津贴", "object": "person", "no_application": no_application,
            "benefit": {"description": "每月津贴", "amount": 100}, "criteria": [
                {"label": f"年满 {min_age} 周岁", "rule": {">=": [{"var": "age"}, min_age]}},
                {"label": "西湖区户籍", "rule": {"==": [{"var": "division_code"}, "330106"]}}], **extra}
