"""A key returns exactly its grant: the granted fields, the rows of the granted area, masked when the grant says so."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sharing_world import CASE_FIELDS, PHONE, ShareWorld, approved, request_in

from builders import CITY, DISTRICT, OTHER_DISTRICT, OTHER_STREET, STREET
from cityloop.governance.sharing.keys import data
from cityloop.governance.sharing.keys.usage import usage
from cityloop.kit.errors import Forbidden

GRANTS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@GRANTS
@given(fields=st.lists(st.sampled_from(CASE_FIELDS), min_size=1, unique=True),
       area=st.sampled_from(["", CITY, DISTRICT, STREET, OTHER_DISTRICT, OTHER_STREET]), masked=st.booleans())
def test_a_key_returns_only_its_fields_and_area(db, share: ShareWorld, fields, area, masked) -> None:
    _out, key = approved(db, share, request_in(fields=[*fields, "id"] if "id" not in fields else fields,
                                               area=area, masked=masked))
    page = data.call(db, key, "cg-cases", limit=1000)
    granted = set(fields) | {"id"}
    assert all(set(item) == granted for item in page.items)
    assert {i["id"] for i in page.items} == {c for c, division in share.cases.items() if division.startswith(area)}
    phones = {i["reporter_phone"] for i in page.items if "reporter_phone" in i}
    if phones:
        assert (PHONE in phones) is not masked


def test_usage_is_counted_per_consumer_and_resource(db, share: ShareWorld) -> None:
    _out, key = approved(db, share, request_in(fields=["id"], area=DISTRICT))
    for _ in range(3):
        data.call(db, key, "cg-cases")
    stats = usage(db, share.subjects["cg_lead"])  # the owner's supervisor sees calls on its resources
    assert [(r.calls, r.ok, r.rows) for r in stats.by_consumer] == [(3, 3, 3 * 2)]
    assert stats.by_resource[0].name.startswith("cg-cases")
    try:
        usage(db, share.subjects["zj_handler"])
        raise AssertionError("a handler read the statistics")
    except Forbidden:
        pass
