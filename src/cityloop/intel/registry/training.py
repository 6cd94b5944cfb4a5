"""Training sets from the database: finished cases, overridden and extended by stored labels, plus earlier files."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases import repository as cases_repo
from cityloop.cases.states import State
from cityloop.cases.taxonomy import active_version_id
from cityloop.config import get_settings
from cityloop.intel.classify import model as classify
from cityloop.intel.registry import repository as repo
from cityloop.intel.registry.models import Label, LabelSource, ModelKind
from cityloop.kit.errors import ValidationFailed

log = logging.getLogger(__name__)

# Cases whose category and unit have been confirmed by verification: the ground truth of a training set.
TRAINING_STATES = (State.VERIFIED, State.REVISITED, State.CLOSED)
DEFAULT_LIMIT = 200_000
_CASE_COLUMN = {ModelKind.CATEGORY: "category_code", ModelKind.UNIT: "unit_id"}


@dataclass(frozen=True)
class FileSource:
    """Labelled files an earlier model was trained on (`cityloop intel train` records them in its metadata)."""

    paths: tuple[str, ...]
    text_cols: tuple[str, ...]
    label_col: str

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> FileSource | None:
        """The files of a model's metadata, or None when it was not trained from files."""
        if not meta.get("sources") or not meta.get("text_cols") or not meta.get("label_col"):
            return None
        return cls(tuple(meta["sources"]), tuple(meta["text_cols"]), str(meta["label_col"]))


@dataclass
class TrainingSet:
    """Texts and labels, with counts of where they came from."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("n_cases", "n_labels", "n_corrections", "n_file_rows", "n_dropped"), 0))


def model_text(kind: str, title: str, content: str, division_code: str | None) -> str:
    """The text a model of `kind` sees: unit models also see the division, since units are local."""
    text = f"{title}\n{content}"
    if kind == ModelKind.UNIT and division_code:
        # Distinct tokens per district and street let the linear model learn "this unit serves that area".
        return f"div{division_code[:6]} div{division_code}\n{text}"
    return text


def training_set(session: Session, kind: ModelKind, limit: int = DEFAULT_LIMIT,
                 files: FileSource | None = None) -> TrainingSet:
    """Finished cases with their category or unit, overridden and extended by the newest stored labels."""
    newest = repo.latest_labels(session, kind)
    valid = _valid_values(session, kind)
    out = TrainingSet()
    seen: set[int] = set()
    for case in repo.done_cases(session, [s.value for s in TRAINING_STATES], _CASE_COLUMN[kind], limit):
        seen.add(case.id)
        label = newest.get(case.id)
        value = label.value if label is not None else str(getattr(case, _CASE_COLUMN[kind]))
        _add(out, valid, model_text(kind, case.title, case.content, case.division_code), value, label)
    # Labels of cases still open (a dispatcher's correction made today) count as well.
    for case in repo.cases_by_ids(session, [cid for cid in newest if cid not in seen]):
        label = newest[case.id]
        _add(out, valid, model_text(kind, case.title, case.content, case.division_code), label.value, label)
    if files is not None:
        _add_files(out, valid, files)
    return out


def _add(out: TrainingSet, valid: frozenset[str], text: str, value: str, label: Label | None) -> None:
    if value not in valid:
        out.stats["n_dropped"] += 1
        return
    out.texts.append(text)
    out.labels.append(value)
    if label is None:
        out.stats["n_cases"] += 1
        return
    out.stats["n_labels"] += 1
    if label.source == LabelSource.DISPATCHER_CORRECTION:
        out.stats["n_corrections"] += 1


def _add_files(out: TrainingSet, valid: frozenset[str], files: FileSource) -> None:
    # Retraining must not forget what an imported history taught the previous model.
    for path in files.paths:
        if not Path(path).is_file():
            log.warning("training file %s of the active model is gone; retraining without it", path)
            continue
        texts, labels = classify.load_labelled(path, files.text_cols, files.label_col)
        for text, value in zip(texts, labels, strict=True):
            if value not in valid:
                out.stats["n_dropped"] += 1
                continue
            out.texts.append(text)
            out.labels.append(value)
            out.stats["n_file_rows"] += 1


def _valid_values(session: Session, kind: ModelKind) -> frozenset[str]:
    # Only labels that can still be applied: leaves of the taxonomy in force, or units still active.
    if kind == ModelKind.UNIT:
        return frozenset(str(u.id) for u in cases_repo.active_units(session))
    version_id = active_version_id(session)
    if version_id is None:
        return frozenset()
    return frozenset(c.code for c in cases_repo.categories_of(session, version_id) if c.level == 3)


def train_from_database(session: Session, kind: ModelKind, *, files: FileSource | None = None,
                        out_dir: Path | None = None, holdout: float = 0.2, limit: int = DEFAULT_LIMIT) -> Path:
    """Build the training set, fit a classifier and write its model directory; return the directory."""
    data = training_set(session, kind, limit, files)
    # End the read transaction before a fit that may take minutes.
    session.commit()
    if len(set(data.labels)) < 2:
        problem = ("训练数据不足：至少需要两个类别", "Not enough training data: need two labels")
        raise ValidationFailed({"kind": problem})
    model = classify.train(data.texts, data.labels, holdout=holdout, threshold=get_settings().classify_threshold)
    model.metadata.update({"source": "database", "kind": str(kind), **data.stats})
    if files is not None:
        # Carried forward, so the next retrain includes the files again.
        model.metadata.update({"sources": list(files.paths), "text_cols": list(files.text_cols),
                               "label_col": files.label_col})
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = out_dir or get_settings().model_dir / f"{kind}-{stamp}-{secrets.token_hex(3)}"
    return classify.save(model, target)
