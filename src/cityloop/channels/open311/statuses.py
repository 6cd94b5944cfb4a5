"""CityLoop case states as Open311 statuses: the spec's open/closed and mySociety's extended statuses."""

from __future__ import annotations

from cityloop.cases.states import OPEN_STATES, State

# mySociety's extended statuses (FixMyStreet) for each state; `not_councils_responsibility` is not emitted:
# a unit's return goes back to the dispatcher, and the city still owns the case.
EXTENDED: dict[State, str] = {
    State.RECEIVED: "open",
    State.DISPATCHED: "action_scheduled",
    State.HANDLING: "in_progress",
    State.RETURN_REQUESTED: "investigating",
    State.SUSPENDED: "investigating",
    State.COMPLETED: "fixed",
    State.VERIFIED: "fixed",
    State.REVISITED: "fixed",
    State.CLOSED: "closed",
    State.INVALID: "no_further_action",
    State.MERGED: "duplicate",
}
EXTENDED_STATUSES = ("open", "investigating", "in_progress", "action_scheduled", "fixed", "closed", "duplicate",
                     "not_councils_responsibility", "no_further_action")


def basic(state: str) -> str:
    """`open` while the case is being worked on, `closed` once it is done, invalid or merged."""
    return "open" if State(state) in OPEN_STATES else "closed"


def extended(state: str) -> str:
    """The mySociety extended status of a state."""
    return EXTENDED[State(state)]


def states_for(status: str) -> list[str]:
    """States that the spec-level `status` filter (open or closed) selects."""
    return [str(s) for s in State if basic(s) == status]
