"""Plugging the outbox into intake, the workflow and the in-app notices (idempotent)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from cityloop.accounts.notifications import service as notifications
from cityloop.cases import intake, workflow
from cityloop.channels.notify import outbox

log = logging.getLogger("cityloop.notify")


def _guarded(hook: Callable[..., None]) -> Callable[..., None]:
    # A notice must never cost the citizen their case or the dispatcher their action: log and carry on.
    @wraps(hook)
    def run(*args: Any) -> None:
        try:
            hook(*args)
        except Exception:  # the hooks' contract is "must not raise"
            log.exception("notify hook %s failed", hook.__name__)

    return run


def register() -> None:
    """Add the outbox writers to the hook lists once."""
    for hooks, hook in ((intake.on_intake, outbox.on_intake), (workflow.in_action, outbox.on_action),
                        (notifications.deliverers, outbox.on_notice)):
        if not any(getattr(h, "__wrapped__", None) is hook for h in hooks):
            hooks.append(_guarded(hook))
