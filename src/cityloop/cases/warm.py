"""Warm start: load what intake reads lazily before a worker takes its first request."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cityloop.cases import intake
from cityloop.cases.schemas import CaseIn
from cityloop.kit.auth import SYSTEM
from cityloop.kit.db import session_scope

log = logging.getLogger(__name__)

# No division, grid or category given: every locator, suggester and screener intake has runs on it, so the
# gazetteer, the word segmenter, the models and the duplicate index are all loaded by the one probe.
PROBE = CaseIn.model_validate({
    "channel": "web", "appeal_type": "complain", "title": "路口井盖缺失",
    "content": "文三路与学院路交叉口的井盖缺失，夜间行人和电动车经过很危险，请尽快处理。",
    "location": {"address": "文三路与学院路交叉口"},
})


def warm_intake() -> tuple[float, bool]:
    """Build the probe case as intake would (store nothing), then run the warmers; (seconds, all done). Never raises."""
    start = time.perf_counter()
    steps: list[Callable[[], object]] = [_probe, *intake.warmers]
    done = True
    for step in steps:
        try:
            step()
        except Exception:  # a warm start is a courtesy: the first real case loads whatever is still missing
            log.warning("warm start incomplete: intake will load the rest on its first case", exc_info=True)
            done = False
    return time.perf_counter() - start, done


def _probe() -> None:
    with session_scope() as session:
        intake.build(session, SYSTEM, PROBE, None)
        session.rollback()
