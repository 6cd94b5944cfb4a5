"""One person row of an import: the ID number checked (GB 11643), birth date and sex taken from it."""

from __future__ import annotations

from typing import Any

from cityloop.kit.clock import to_local, utcnow
from cityloop.policy.registry.persons import idnumber
from cityloop.policy.registry.rows import Problem, division, extra, flag, number

COLUMNS = ("id_number", "name", "division_code", "disability_level", "low_income", "veteran", "elderly_alone",
           "employment")
# 就业状态: employed 在职, unemployed 登记失业, flexible 灵活就业, retired 退休, student 在校, none 无/其他.
EMPLOYMENT: dict[str, tuple[str, str]] = {
    "employed": ("在职", "Employed"), "unemployed": ("登记失业", "Registered unemployed"),
    "flexible": ("灵活就业", "Flexible employment"), "retired": ("退休", "Retired"),
    "student": ("在校学生", "Student"), "none": ("无/其他", "None/other"),
}
HEADER_HELP = (",".join(COLUMNS) + "[,extra]: id_number 18 characters (GB 11643 check digit); disability_level "
               "0 (none) to 4; flags true/false (blank false); employment one of " + "/".join(EMPLOYMENT) +
               " (blank none); extra an optional JSON object")


def parse_row(values: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """One row's typed values and its problems."""
    problems: list[Problem] = []
    row: dict[str, Any] = {}
    id_number = values.get("id_number", "").strip().upper()
    found = idnumber.parse(id_number)
    if found is None or found[0] > to_local(utcnow()).date():
        problems.append(("id_number", "身份证号无效（18 位，校验位按 GB 11643，出生日期须有效）",
                         "not a valid resident ID number (18 characters, GB 11643 check digit, a real birth date)"))
    row["id_number"] = id_number
    row["birth_date"], row["sex"] = found if found else (None, "")
    name = values.get("name", "").strip()
    if not name or len(name) > 50:
        problems.append(("name", "必填，不超过 50 个字符", "required, at most 50 characters"))
    row["name"] = name
    division(values, row, problems)
    level = number(values.get("disability_level", "").strip() or "0", integer=True)
    if level is None or not 0 <= level <= 4:
        problems.append(("disability_level", "应为 0（无）至 4 级", "must be 0 (none) to 4"))
    row["disability_level"] = int(level or 0)
    for name in ("low_income", "veteran", "elderly_alone"):
        flag(values, name, row, problems, blank=False)
    status = values.get("employment", "").strip().lower() or "none"
    if status not in EMPLOYMENT:
        problems.append(("employment", f"应为 {'/'.join(EMPLOYMENT)} 之一", f"must be one of {'/'.join(EMPLOYMENT)}"))
    row["employment"] = status
    extra(values, row, problems)
    return row, problems
