"""Plans of the demo cases: text, place, time and side paths, drawn up front from the seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cityloop.cases.demo import texts as tx
from cityloop.cases.states import State
from cityloop.kit import clock
from cityloop.kit.clock import to_local

HISTORY_DAYS = 90
_HOUR_WEIGHTS = (2, 1, 1, 1, 1, 3, 8, 15, 30, 45, 45, 40, 30, 35, 40, 40, 35, 30, 25, 25, 20, 15, 8, 4)
# Open states a few recent cases are held in, so even a small demo shows every queue:
# (state, share of all cases, youngest and oldest age in hours of the cases picked).
_PINS = (
    (State.RECEIVED, 0.004, 0.2, 20), (State.DISPATCHED, 0.004, 0.5, 30),
    (State.HANDLING, 0.004, 24, 400), (State.RETURN_REQUESTED, 0.003, 4, 72),
    (State.SUSPENDED, 0.003, 24, 240), (State.COMPLETED, 0.004, 12, 72),
    (State.VERIFIED, 0.004, 24, 96), (State.REVISITED, 0.004, 24, 96),
)


@dataclass
class CasePlan:
    """One case to create: its text and place (drawn up front) and the path it will take."""

    received_at: datetime
    kind: str  # normal | invalid | duplicate
    leaf: str | None
    channel: str
    appeal_type: str
    title: str
    content: str
    reporter: tuple[str, str] | None
    street: tx.Street
    division_code: str
    address: str
    lng: float
    lat: float
    slots: dict[str, str]
    categorised: bool = True
    dup_of: int = -1
    target: CasePlan | None = None
    path: dict[str, float] = field(default_factory=dict)
    pin: State | None = None
    index: int = 0


def generate(cases: int, seed: int = 42, now: datetime | None = None) -> list[CasePlan]:
    """Plans of `cases` cases in receipt order, the same for the same `seed` and `now`."""
    now = now or clock.utcnow()
    text_rng, time_rng, path_rng = (random.Random(f"{seed}:{k}") for k in ("text", "time", "path"))
    n_invalid, n_dup = round(cases * 0.02), round(cases * 0.03)
    leaves = list(tx.LEAVES)
    weights = [tx.LEAVES[c].weight for c in leaves]
    reporters: list[tuple[str, str]] = []
    plans = [_plan(text_rng, text_rng.choices(leaves, weights)[0], reporters)
             for _ in range(cases - n_invalid - n_dup)]
    plans += [_invalid_plan(text_rng) for _ in range(n_invalid)]
    for plan in plans:
        plan.received_at = _received_at(time_rng, now, plan.channel)
        plan.path = _path(path_rng, plan)
    plans.sort(key=lambda p: p.received_at)
    normal = [i for i, p in enumerate(plans) if p.kind == "normal"]
    for target in sorted(path_rng.sample(normal, min(n_dup, len(normal)))):
        duplicate = _duplicate(text_rng, time_rng, plans[target], now, reporters)
        duplicate.path = _path(path_rng, duplicate)
        plans.append(duplicate)
    plans.sort(key=lambda p: p.received_at)
    for index, plan in enumerate(plans):
        plan.index = index
    for plan in plans:
        plan.dup_of = plan.target.index if plan.target else -1
    _pin(plans, now, path_rng)
    return plans


def _plan(rng: random.Random, leaf_code: str, reporters: list[tuple[str, str]]) -> CasePlan:
    leaf = tx.LEAVES[leaf_code]
    roll = rng.random()
    if leaf.iot and roll < 0.3:
        channel, templates = "iot", leaf.iot
    elif leaf.grid and roll < 0.6:
        channel, templates = "grid", leaf.grid
    else:
        channel, templates = rng.choices(("hotline", "web", "app"), (68, 16, 16))[0], leaf.texts
    appeal = "event" if channel in {"grid", "iot"} else _weighted(rng, leaf.appeals)
    street = rng.choice(tx.STREETS)
    title, body = rng.choice(templates)
    slots = _slots(rng, street)
    at_community = "{community}" in title + body
    reporter = None
    if channel not in {"grid", "iot"}:
        # Some people call again and again (a signal for early warning).
        reporter = rng.choice(reporters) if reporters and rng.random() < 0.06 else (person(rng), phone(rng))
        reporters.append(reporter)
    kind = "public" if reporter else channel
    content = rng.choice(tx.OPENERS[channel]) + body.format_map(slots) + rng.choice(tx.CLOSERS[kind])
    district = next(d.name for d in tx.DISTRICTS if street.code.startswith(d.code))
    place = f"{slots['community']}{slots['bldg']}幢" if at_community else f"{slots['road']}{slots['no']}号"
    return CasePlan(
        received_at=clock.utcnow(), kind="normal", leaf=leaf_code, channel=channel, appeal_type=appeal,
        title=title.format_map(slots), content=content, reporter=reporter, street=street,
        division_code=slots["community_code"] if at_community else street.code,
        address=f"杭州市{district}{street.name}{place}", lng=round(street.lng + rng.gauss(0, 0.006), 6),
        lat=round(street.lat + rng.gauss(0, 0.005), 6), slots=slots)


def _slots(rng: random.Random, street: tx.Street) -> dict[str, str]:
    roads = rng.sample(street.roads, 2)
    code, community = rng.choice(communities(street))
    slots = {k: rng.choice(v) for k, v in tx.SLOTS.items()}
    slots.update(road=roads[0], road2=roads[1], community=community, community_code=code, street=street.name,
                 no=str(rng.randint(1, 399)), bldg=str(rng.randint(1, 32)), unit=str(rng.randint(1, 4)),
                 bus=str(rng.choice((rng.randint(1, 399), rng.randint(1000, 1500)))))
    return slots


def _weighted(rng: random.Random, spec: str) -> str:
    pairs = [item.split(":") for item in spec.split()]
    return rng.choices([p[0] for p in pairs], [int(p[1]) for p in pairs])[0]


def _invalid_plan(rng: random.Random) -> CasePlan:
    title, body, _note = rng.choice(tx.INVALID_TEXTS)
    street = rng.choice(tx.STREETS)
    return CasePlan(received_at=clock.utcnow(), kind="invalid", leaf=None, channel="hotline",
                    appeal_type="consult", title=title, content="来电人反映：" + body,
                    reporter=(person(rng), phone(rng)), street=street, division_code=street.code,
                    address="", lng=street.lng, lat=street.lat, slots={}, categorised=False)


def _duplicate(rng: random.Random, time_rng: random.Random, target: CasePlan, now: datetime,
               reporters: list[tuple[str, str]]) -> CasePlan:
    reporter = (person(rng), phone(rng))
    reporters.append(reporter)
    gap = timedelta(minutes=time_rng.uniform(20, 36 * 60))
    received = min(target.received_at + gap, target.received_at + (now - target.received_at) / 2)
    content = (rng.choice(tx.OPENERS["hotline"]) + "与此前来电反映同一问题：" + target.title + "。"
               + rng.choice(tx.CLOSERS["public"]))
    return CasePlan(
        received_at=received, kind="duplicate", leaf=target.leaf, channel="hotline",
        appeal_type=target.appeal_type, title=target.title, content=content, reporter=reporter,
        street=target.street, division_code=target.division_code, address=target.address, lng=target.lng,
        lat=target.lat, slots=target.slots, target=target)


def _received_at(rng: random.Random, now: datetime, channel: str) -> datetime:
    today = to_local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=back) for back in range(HISTORY_DAYS)]
    # Fewer appeals at weekends and a slow rise over the quarter (the season warms up).
    day_weights = [(0.65 if d.weekday() >= 5 else 1.0) * (1.15 - 0.3 * back / HISTORY_DAYS)
                   for back, d in enumerate(days)]
    hours = range(24) if channel == "iot" else range(8, 18) if channel == "grid" else range(24)
    hour_weights = [1] * 24 if channel == "iot" else [_HOUR_WEIGHTS[h] for h in hours]
    day = rng.choices(days, day_weights)[0]
    at = day + timedelta(hours=rng.choices(list(hours), hour_weights)[0], seconds=rng.uniform(0, 3600))
    return at if at < now else now - timedelta(minutes=rng.uniform(5, 60 * 8))


def _path(rng: random.Random, plan: CasePlan) -> dict[str, float]:
    """Side paths a case will take, drawn once; 0 means not taken (values in (0, 1) are extra dice)."""
    names = "queue ret ret_ok reassign ext ext_ok suspend urge escalate vfail revisit sat reopen late_sign"
    dice = {k: rng.random() for k in names.split()}
    leaf = tx.LEAVES[plan.leaf] if plan.leaf else None
    public = plan.reporter is not None
    return {
        "queue": float(plan.kind == "normal" and public and dice["queue"] < 0.10),
        "return": float(dice["ret"] < 0.04), "return_approved": float(dice["ret_ok"] < 0.65),
        "reassign": float(dice["reassign"] < 0.03), "extension": float(dice["ext"] < 0.05),
        "extension_approved": float(dice["ext_ok"] < 0.8), "suspend": float(dice["suspend"] < 0.02),
        "urge": float(dice["urge"] < 0.06), "escalate": float(dice["escalate"] < 0.01),
        "verify_fail": float(dice["vfail"] < 0.04), "revisit": float(public and dice["revisit"] < 0.93),
        "sat": dice["sat"], "reopen": float(dice["reopen"] < 0.5), "late_sign": dice["late_sign"],
        "disputed": float(bool(leaf and leaf.dispute_units)),
    }


def _pin(plans: list[CasePlan], now: datetime, rng: random.Random) -> None:
    """Hold a few recent cases in each open state (see `_PINS`)."""
    taken: set[int] = set()
    for state, share, young, old in _PINS:
        want = max(2, round(len(plans) * share))
        pool = [p for p in plans if p.kind == "normal" and p.index not in taken and p.reporter is not None]
        mid = (young + old) / 2

        def age(p: CasePlan) -> float:
            return (now - p.received_at).total_seconds() / 3600

        inside = [p for p in pool if young <= age(p) <= old]
        chosen = rng.sample(inside, want) if len(inside) >= want else sorted(
            (p for p in pool if age(p) >= young), key=lambda p: abs(age(p) - mid))[:want]
        for p in chosen:
            taken.add(p.index)
            p.pin = state
            p.path.update(queue=float(state == State.RECEIVED or p.path["queue"] > 0),
                          suspend=float(state == State.SUSPENDED), revisit=1.0, verify_fail=0.0, reopen=0.0,
                          reassign=0.0, **{"return": float(state == State.RETURN_REQUESTED)})


def communities(street: tx.Street) -> list[tuple[str, str]]:
    """Community codes: 0xx for residents' committees (社区), 2xx for villages (村), as in the NBS list."""
    out, seq = [], {"c": 0, "v": 200}
    for name in street.communities:
        kind = "v" if name.endswith("村") else "c"
        seq[kind] += 1
        out.append((f"{street.code}{seq[kind]:03d}", name))
    return out


def person(rng: random.Random) -> str:
    """A common-looking Chinese name."""
    return rng.choice(tx.SURNAMES) + "".join(rng.choice(tx.GIVEN) for _ in range(rng.choice((1, 2, 2))))


def phone(rng: random.Random) -> str:
    """A mobile number with a real carrier prefix."""
    return rng.choice(tx.PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
