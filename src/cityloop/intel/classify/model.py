"""Trainable text classifier (case category, handling unit) with calibrated top-k suggestions."""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC
from sklearn.utils.class_weight import compute_class_weight

from cityloop.intel import text as textmod
from cityloop.intel.classify.features import NgramTfidf

# 2: NgramTfidf features (numpy n-gram keys) instead of sklearn's TfidfVectorizer.
MODEL_FORMAT_VERSION = 2
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
USERDICT_FILE = "userdict.txt"
# Below this top-1 probability a case goes to the dispatcher queue instead of being auto-classified.
DEFAULT_THRESHOLD = 0.6


@dataclass(frozen=True)
class ClassifierParams:
    """Hyper-parameters of the feature pipeline and the linear model."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    # C 0.5 measured best on the 泰迪杯 hold-out; min_df 1 scored the same but its 2x larger vocabulary slows transform.
    min_df: int = 2
    max_features: int = 300_000
    sublinear_tf: bool = True
    class_weight: str | None = "balanced"
    # NB-SVM with C=1 beat the plain SVM (C=0.5) in raw macro-F1 on 5/5 CV folds (bench/intel_classify_cv.py);
    # with nbsvm=False the plain SVM measured best at C=0.5.
    nbsvm: bool = True
    c: float = 1.0
    nb_alpha: float = 1.0
    calibration_cv: int = 5
    # One SVM calibrated on out-of-fold scores: a fifth of the model size of the per-fold ensemble.
    calibration_ensemble: bool = False
    # Category cues sit in the title and the opening lines; truncating long bodies keeps intake fast.
    max_chars: int = 1000
    # jieba without its HMM for unknown words: same macro-F1 (±0.002), segmentation ≈ 2x faster (intel.text).
    hmm: bool = False
    seed: int = 42


@dataclass(frozen=True)
class Suggestion:
    """One candidate label with its calibrated probability."""

    label: str
    probability: float


@dataclass
class TextClassifier:
    """A fitted pipeline (raw text → calibrated probabilities) plus its metadata."""

    pipeline: Pipeline
    metadata: dict[str, Any] = field(default_factory=dict)
    threshold: float = DEFAULT_THRESHOLD

    @property
    def labels(self) -> list[str]:
        """Return the class labels in probability-column order."""
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return the probability matrix for raw or pre-segmented texts."""
        return np.asarray(self.pipeline.predict_proba(list(texts)))

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Return the most probable label of each text."""
        proba = self.predict_proba(texts)
        labels = self.labels
        return [labels[i] for i in proba.argmax(axis=1)]

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """Return the k most probable labels of one text, best first."""
        return top_k(self.predict_proba([text])[0], self.labels, k)


class NBSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest NB-SVM (Wang & Manning 2012): per class a linear SVM on features scaled by NB log-count ratios."""

    def __init__(
        self, c: float = 1.0, alpha: float = 1.0, class_weight: str | None = "balanced", random_state: int = 0
    ) -> None:
        self.c = c
        self.alpha = alpha
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, x: Any, y: Sequence[Any]) -> NBSVC:
        """Fit one binary SVM per class (binary problems: one SVM for classes_[1], as LinearSVC)."""
        x, y_arr = sp.csr_matrix(x), np.asarray(y)
        self.classes_ = np.unique(y_arr)
        weights = compute_class_weight(self.class_weight, classes=self.classes_, y=y_arr)
        presence = x.copy()
        presence.data[:] = 1
        targets = range(1, 2) if len(self.classes_) == 2 else range(len(self.classes_))
        coefs, intercepts = [], []
        for k in targets:
            pos = y_arr == self.classes_[k]
            # Like liblinear's one-vs-rest: the class weight scales the positive side; binary weighs both sides.
            neg_weight = weights[0] if len(self.classes_) == 2 else 1.0
            ratio = self._ratio(presence, pos)
            svm = LinearSVC(C=self.c, class_weight={1: weights[k], 0: neg_weight}, random_state=self.random_state)
            svm.fit(x @ sp.diags(ratio), pos.astype(int))
            # Scaling x by the ratio equals scaling the weights: prediction stays one sparse product.
            coefs.append(ratio * svm.coef_[0])
            intercepts.append(svm.intercept_[0])
        # Fortran order, as LinearSVC's: coef_.T is then C-contiguous and x @ coef_.T needs no 30 MB copy per call.
        self.coef_ = np.asfortranarray(np.vstack(coefs))
        self.intercept_ = np.asarray(intercepts)
        return self

    def _ratio(self, presence: sp.csr_matrix, pos: np.ndarray) -> np.ndarray:
        # Presence counts as in the paper; alpha smooths n-grams seen on one side only.
        p = self.alpha + np.asarray(presence[pos].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(presence[~pos].sum(axis=0)).ravel()
        return np.asarray(np.log(p / p.sum()) - np.log(q / q.sum()))

    def decision_function(self, x: Any) -> np.ndarray:
        """Return per-class scores (binary: the score of classes_[1])."""
        scores = np.asarray(sp.csr_matrix(x) @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, x: Any) -> np.ndarray:
        """Return the highest-scoring label of each row."""
        scores = self.decision_function(x)
        best = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return np.asarray(self.classes_[best])


def top_k(proba: np.ndarray, labels: Sequence[str], k: int) -> list[Suggestion]:
    """Return the k best (label, probability) pairs of one probability row."""
    order = np.argsort(-proba)[: max(k, 0)]
    return [Suggestion(labels[i], round(float(proba[i]), 4)) for i in order]


def suggest(model: TextClassifier, text: str, k: int = 3) -> list[tuple[str, float]]:
    """Return the top-k (label, probability) suggestions for an intake text."""
    return [(s.label, s.probability) for s in model.suggest(text, k)]


def auto_label(model: TextClassifier, text: str, threshold: float | None = None) -> str | None:
    """Return the label if the model is confident enough, else None (case goes to the dispatcher queue)."""
    best = model.suggest(text, 1)
    limit = model.threshold if threshold is None else threshold
    return best[0].label if best and best[0].probability >= limit else None


def prepare_texts(texts: Iterable[str], max_chars: int = 1000, hmm: bool = True) -> list[str]:
    """Turn raw or pre-segmented texts into space-joined content tokens."""
    return [" ".join(textmod.tokenize(str(t), max_chars=max_chars, hmm=hmm)) for t in texts]


def build_pipeline(params: ClassifierParams) -> Pipeline:
    """Build the untrained pipeline: tokens → word + char TF-IDF → calibrated linear SVM."""
    # Char n-grams are taken after the spaces are removed, so they agree whichever segmenter made the tokens.
    word, char = (
        NgramTfidf(
            analyzer,
            ngram_range,
            min_df=params.min_df,
            max_features=params.max_features,
            sublinear_tf=params.sublinear_tf,
        )
        for analyzer, ngram_range in (("word", params.word_ngrams), ("char", params.char_ngrams))
    )
    prep_args = {"max_chars": params.max_chars, "hmm": params.hmm}
    return Pipeline(
        [
            ("prep", FunctionTransformer(prepare_texts, kw_args=prep_args)),
            ("features", FeatureUnion([("word", word), ("char", char)])),
            (
                "clf",
                CalibratedClassifierCV(
                    linear_model(params),
                    cv=params.calibration_cv,
                    method="sigmoid",
                    ensemble=params.calibration_ensemble,
                ),
            ),
        ]
    )


def linear_model(params: ClassifierParams) -> NBSVC | LinearSVC:
    """Return the untrained linear classifier (NB-SVM or plain LinearSVC) of the pipeline."""
    if params.nbsvm:
        return NBSVC(params.c, params.nb_alpha, params.class_weight, params.seed)
    return LinearSVC(C=params.c, class_weight=params.class_weight, random_state=params.seed)


def data_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """Return a content hash of the (text, label) training rows."""
    digest = hashlib.sha256()
    for t, y in zip(texts, labels, strict=True):
        digest.update(f"{t}\x1f{y}\x1e".encode())
    return digest.hexdigest()


def _fit(texts: Sequence[str], labels: Sequence[str], params: ClassifierParams) -> Pipeline:
    # Calibration needs every label in every fold: use fewer folds when a label is rare.
    folds = max(2, min(params.calibration_cv, min(Counter(labels).values())))
    pipeline = build_pipeline(params)
    pipeline.set_params(clf__cv=folds)
    return pipeline.fit(list(texts), list(labels))


def _holdout_metrics(
    texts: Sequence[str], labels: Sequence[str], params: ClassifierParams, holdout: float
) -> dict[str, Any]:
    n_test = round(len(texts) * holdout)
    counts = Counter(labels)
    if n_test < len(counts) or min(counts.values()) < 4:
        return {"holdout": holdout, "skipped": "too few examples per label for a stratified hold-out"}
    x_tr, x_te, y_tr, y_te = train_test_split(
        list(texts), list(labels), test_size=holdout, stratify=labels, random_state=params.seed
    )
    return {"holdout": holdout, **evaluate(TextClassifier(_fit(x_tr, y_tr, params)), x_te, y_te)}


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    params: ClassifierParams | None = None,
    *,
    holdout: float = 0.0,
    threshold: float = DEFAULT_THRESHOLD,
    min_examples: int = 2,
) -> TextClassifier:
    """Fit a classifier; with holdout > 0 first measure it on a stratified held-out share."""
    params = params or ClassifierParams()
    counts = Counter(labels)
    # Labels seen once or twice (e.g. a rarely used unit) cannot be learnt or calibrated; leave them out.
    dropped = sorted(label for label, n in counts.items() if n < min_examples)
    if dropped:
        kept = [(t, y) for t, y in zip(texts, labels, strict=True) if counts[y] >= min_examples]
        texts, labels = [t for t, _ in kept], [y for _, y in kept]
    if len(set(labels)) < 2:
        raise ValueError(f"need at least two labels with {min_examples}+ examples each")
    metrics = _holdout_metrics(texts, labels, params, holdout) if holdout > 0 else {}
    model = TextClassifier(_fit(texts, labels, params), threshold=threshold)
    model.metadata = {
        "format_version": MODEL_FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_sha256": data_sha256(texts, labels),
        "n_train": len(texts),
        "labels": model.labels,
        "dropped_labels": dropped,
        "params": asdict(params),
        "threshold": threshold,
        "metrics": metrics,
        "user_words": textmod.user_words(),
    }
    return model


def evaluate(model: TextClassifier, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Return macro-F1, accuracy, throughput (segmentation included) and per-class scores."""
    start = time.perf_counter()
    predicted = model.predict(texts)
    elapsed = max(time.perf_counter() - start, 1e-9)
    names = sorted(set(labels) | set(predicted))
    prec, rec, f1, support = precision_recall_fscore_support(labels, predicted, labels=names, zero_division=0)
    per_class = {
        name: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for name, p, r, f, s in zip(names, prec, rec, f1, support, strict=True)
    }
    return {
        "macro_f1": round(float(f1_score(labels, predicted, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "n": len(texts),
        "msgs_per_s": round(len(texts) / elapsed, 1),
        "per_class": per_class,
    }


def save(model: TextClassifier, directory: str | Path) -> Path:
    """Write the model directory: model.joblib, metadata.json and the user dictionary."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model.pipeline, out / MODEL_FILE, compress=3)
    words = model.metadata.get("user_words") or []
    (out / USERDICT_FILE).write_text("".join(f"{w}\n" for w in words), encoding="utf-8")
    meta = json.dumps(model.metadata, ensure_ascii=False, indent=2)
    (out / METADATA_FILE).write_text(meta, encoding="utf-8")
    return out


def load(directory: str | Path) -> TextClassifier:
    """Load a model directory written by save (joblib is pickle: only load trusted directories)."""
    src = Path(directory)
    metadata = json.loads((src / METADATA_FILE).read_text(encoding="utf-8"))
    if metadata.get("format_version") != MODEL_FORMAT_VERSION:
        raise ValueError(
            f"unsupported model format {metadata.get('format_version')!r} in {src}: retrain it "
            f"(`cityloop intel retrain` or `cityloop intel train`)"
        )
    if (src / USERDICT_FILE).exists():
        # Segment with the same dictionary as at training time, or word features drift.
        textmod.load_user_dict(src / USERDICT_FILE)
    pipeline = joblib.load(src / MODEL_FILE)
    return TextClassifier(pipeline, metadata, float(metadata.get("threshold", DEFAULT_THRESHOLD)))


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Read a CSV (UTF-8 or GB18030) or XLSX file into a list of string dicts."""
    src = Path(path)
    if src.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_xlsx(src)
    raw = src.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Government exports are often GBK/GB18030 rather than UTF-8.
        content = raw.decode("gb18030")
    return [dict(row) for row in csv.DictReader(content.splitlines())]


def _read_xlsx(path: Path) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    rows = book.active.iter_rows(values_only=True) if book.active is not None else iter(())
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    out = [{h: "" if v is None else str(v) for h, v in zip(header, row, strict=False)} for row in rows]
    book.close()
    return out


def load_labelled(path: str | Path, text_cols: Sequence[str], label_col: str) -> tuple[list[str], list[str]]:
    """Return (texts, labels) from a table, joining text columns by newline, skipping unlabelled rows."""
    rows = read_rows(path)
    if rows:
        missing = [c for c in [*text_cols, label_col] if c not in rows[0]]
        if missing:
            raise KeyError(f"columns not found in {path}: {', '.join(missing)}")
    texts: list[str] = []
    labels: list[str] = []
    for row in rows:
        label = (row.get(label_col) or "").strip()
        if not label:
            continue
        texts.append("\n".join((row.get(c) or "").strip() for c in text_cols))
        labels.append(label)
    return texts, labels
