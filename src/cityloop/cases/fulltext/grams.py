"""Text as index terms: Chinese runs as overlapping character pairs (bigrams), Latin letters and digits as words."""

from __future__ import annotations

import re

# CJK ideographs (basic and extension A) and the compatibility block; everything else splits runs.
RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_TERMS = 2000  # a pasted essay must not make one row's index huge


def _terms(run: str) -> list[str]:
    if not _CJK.match(run):
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def grams(text: str) -> str:
    """The space-separated index terms of `text`, in order (adjacent bigrams stay adjacent)."""
    out: list[str] = []
    for run in RUN.findall(text.lower()):
        out += _terms(run)
        if len(out) >= MAX_TERMS:
            break
    return " ".join(out[:MAX_TERMS])


def phrases(query: str) -> list[list[str]]:
    """Each query word as the list of terms that must appear next to each other."""
    return [_terms(run) for run in RUN.findall(query.lower())]
