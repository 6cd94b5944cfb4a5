"""Compare classifier candidates by 5-fold stratified cross-validation; print ONE JSON object of figures.

Each fold trains on 4/5 of the messages plus the titles that belong to them (never titles of held-out messages)
and scores the held-out fifth as given (segmented) and with the spaces removed (raw, re-segmented by jieba).
Texts are tokenised once and the word/char TF-IDF is fitted once per fold and feature setting; the candidates
share the folds, so their per-fold differences are paired.

--grid models (default): the classifier comparison that picked NB-SVM, against the plain SVM (C=0.5).
--grid nbsvm: NB-SVM variants (C, NB alpha, char n-gram range) against the production NB-SVM (ClassifierParams()).
"""

from __future__ import annotations

import os

# One core: the box is shared, and the CPU rates must hold for a single intake worker.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402 - thread limits must be set before numpy is imported
import dataclasses  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin, clone  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intel_classify import DEFAULT_DATA, split_titles  # noqa: E402

from cityloop.intel.classify import model as classify  # noqa: E402

SEED = 42
# Reference of the paired differences per grid: the plain LinearSVC (C=0.5) the classifier comparison started from,
# and the production NB-SVM (ClassifierParams defaults) for its own tuning.
BASES = {"models": "svm_c0.5", "nbsvm": "nbsvm_c1"}
# Minimum mean raw macro-F1 gain over the base of the adoption rule (fixed before each grid was run).
MIN_GAINS = {"models": 0.003, "nbsvm": 0.002}
# NB-SVM variants: overrides of ClassifierParams (features and classifier built as in production).
NBSVM_GRID: dict[str, dict[str, Any]] = {
    "nbsvm_c1": {},
    "nbsvm_c0.5": {"c": 0.5},
    "nbsvm_c2": {"c": 2.0},
    "nbsvm_alpha0.5": {"nb_alpha": 0.5},
    "nbsvm_char1-4": {"char_ngrams": (1, 4)},
}
# Feature settings: candidates sharing them share one fitted TF-IDF per fold.
FEATURE_FIELDS = ("word_ngrams", "char_ngrams", "min_df", "max_features", "sublinear_tf", "max_chars", "hmm")
# name -> (params whose features it uses, builder of the untrained estimator given the number of word columns)
Candidates = dict[str, tuple[classify.ClassifierParams, Callable[[int], BaseEstimator]]]


class ViewAverageSVC(ClassifierMixin, BaseEstimator):
    """Average the decision scores of linear SVMs fitted on column blocks (views) of the features."""

    def __init__(self, split: int = 0, joint: bool = False, c: float = 0.5, class_weight: Any = "balanced") -> None:
        self.split = split
        self.joint = joint
        self.c = c
        self.class_weight = class_weight

    def _views(self, x: sp.csr_matrix) -> list[sp.csr_matrix]:
        views = [x[:, : self.split], x[:, self.split :]]
        return [x, *views] if self.joint else views

    def fit(self, x: sp.csr_matrix, y: Sequence[str]) -> ViewAverageSVC:
        """Fit one SVM per view."""
        svm = LinearSVC(C=self.c, class_weight=self.class_weight, random_state=SEED)
        self.svms_ = [clone(svm).fit(v, y) for v in self._views(sp.csr_matrix(x))]
        self.classes_ = self.svms_[0].classes_
        return self

    def decision_function(self, x: sp.csr_matrix) -> np.ndarray:
        """Return the mean decision score over the views."""
        views = self._views(sp.csr_matrix(x))
        return np.mean([m.decision_function(v) for m, v in zip(self.svms_, views, strict=True)], axis=0)

    def predict(self, x: sp.csr_matrix) -> np.ndarray:
        """Return the label with the highest mean score."""
        return np.asarray(self.classes_[self.decision_function(x).argmax(axis=1)])


def calibrated(estimator: BaseEstimator, params: classify.ClassifierParams) -> CalibratedClassifierCV:
    """Wrap an estimator the way the production pipeline does (sigmoid, out-of-fold, one final model)."""
    return CalibratedClassifierCV(estimator, cv=params.calibration_cv, method="sigmoid", ensemble=False)


def candidates(params: classify.ClassifierParams, grid: str, only: Sequence[str] = ()) -> Candidates:
    """Return the candidates of a grid (the base always; only = a subset of the others, empty for all)."""
    if grid == "nbsvm":
        out: Candidates = {}
        for name, overrides in NBSVM_GRID.items():
            p = dataclasses.replace(params, **overrides)
            out[name] = (p, lambda _split, p=p: build_clf(p))
    else:
        svm = LinearSVC(C=0.5, class_weight=params.class_weight, random_state=params.seed)
        out = {
            "svm_c0.5": (params, lambda _s: calibrated(svm, params)),
            "svm_c0.3": (params, lambda _s: calibrated(clone(svm).set_params(C=0.3), params)),
            "views_word_char": (params, lambda s: calibrated(ViewAverageSVC(s, c=0.5), params)),
            "views_joint_word_char": (params, lambda s: calibrated(ViewAverageSVC(s, joint=True, c=0.5), params)),
            "nbsvm_c1": (params, lambda _s: calibrated(classify.NBSVC(1.0, random_state=params.seed), params)),
        }
    unknown = set(only) - set(out)
    if unknown:
        raise SystemExit(f"unknown candidates for --grid {grid}: {sorted(unknown)}; choose from {sorted(out)}")
    return {k: v for k, v in out.items() if k == BASES[grid] or not only or k in only}


def build_clf(params: classify.ClassifierParams) -> BaseEstimator:
    """Return the calibrated classifier exactly as the production pipeline builds it."""
    return classify.build_pipeline(params).named_steps["clf"]


def feature_key(params: classify.ClassifierParams) -> tuple:
    """Return the feature settings of params (candidates with equal keys share the fitted TF-IDF)."""
    return tuple(getattr(params, f) for f in FEATURE_FIELDS)


def tokens(texts: Sequence[str], params: classify.ClassifierParams) -> tuple[list[str], float]:
    """Return the space-joined content tokens of texts and the CPU seconds it took."""
    start = time.process_time()
    out = classify.prepare_texts(texts, max_chars=params.max_chars, hmm=params.hmm)
    return out, time.process_time() - start


def cpu_seconds(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Return fn() and the CPU seconds it took."""
    start = time.process_time()
    result = fn()
    return result, time.process_time() - start


def macro_f1(truth: Sequence[str], predicted: np.ndarray) -> float:
    """Return the macro-F1 rounded to 4 places."""
    return round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4)


def run_fold(
    data: dict[str, Any], train: np.ndarray, test: np.ndarray, params: classify.ClassifierParams, cands: Candidates
) -> dict:
    """Fit the features (once per feature setting) and every candidate on one fold; return F1 and CPU rates."""
    labels = data["labels"]
    t_tr, t_te = split_titles(data["titles"], [data["texts"][i] for i in train], [data["texts"][i] for i in test])
    x_tr = [data["seg_tok"][i] for i in train] + classify.prepare_texts(
        [r["title"] for r in t_tr], max_chars=params.max_chars, hmm=params.hmm
    )
    y_tr = [labels[i] for i in train] + [r["label"] for r in t_tr]
    y_te = [labels[i] for i in test]
    seg_tok = [data["seg_tok"][i] for i in test]
    raw_tok = [data["raw_tok"][i] for i in test]
    # Titles of held-out messages: short texts, reported but not part of the adoption rule.
    title_tok = classify.prepare_texts([r["title"] for r in t_te], params.max_chars, params.hmm)
    y_titles = [r["label"] for r in t_te]
    # Raw-text CPU cost per message: jieba + normalisation (measured once) + features + predict_proba.
    seg_s = data["raw_tok_s"] * len(test) / len(labels)
    out: dict[str, Any] = {"n_train": len(x_tr), "n_titles": len(t_tr), "n_test": len(test)}
    fitted: dict[tuple, tuple] = {}
    for name, (cand_params, build) in cands.items():
        key = feature_key(cand_params)
        if key not in fitted:
            features = classify.build_pipeline(cand_params).named_steps["features"].fit(x_tr)
            raw_te, feat_s = cpu_seconds(lambda features=features: features.transform(raw_tok))
            split = len(features.transformer_list[0][1].keys_)
            fitted = {  # one feature setting at a time: candidates are grouped by key below
                key: (
                    features.transform(x_tr),
                    features.transform(seg_tok),
                    features.transform(title_tok),
                    raw_te,
                    feat_s,
                    split,
                )
            }
        x_fit, seg_te, titles_te, raw_te, feat_s, split = fitted[key]
        est = build(split)
        model, fit_s = cpu_seconds(lambda est=est, x_fit=x_fit: est.fit(x_fit, y_tr))
        proba, proba_s = cpu_seconds(lambda model=model, raw_te=raw_te: model.predict_proba(raw_te))
        out[name] = {
            "raw_macro_f1": macro_f1(y_te, model.classes_[proba.argmax(axis=1)]),
            "seg_macro_f1": macro_f1(y_te, model.predict(seg_te)),
            "titles_macro_f1": macro_f1(y_titles, model.predict(titles_te)),
            "cpu_msgs_per_s": round(len(test) / (seg_s + feat_s + proba_s), 1),
            "fit_cpu_s": round(fit_s, 1),
        }
        sys.stderr.write(f"{name}: {out[name]}\n")  # progress: a full run takes minutes
    return out


def summarise(folds: list[dict], names: Sequence[str], base: str, min_gain: float) -> dict[str, Any]:
    """Return mean ± std per candidate and its paired per-fold differences against base."""
    table: dict[str, Any] = {}
    for name in names:
        row: dict[str, Any] = {}
        for metric in ("raw_macro_f1", "seg_macro_f1", "titles_macro_f1"):
            vals = [f[name][metric] for f in folds]
            diffs = [round(f[name][metric] - f[base][metric], 4) for f in folds]
            row[metric] = {"mean": round(statistics.mean(vals), 4), "std": round(statistics.stdev(vals), 4)}
            row[metric.replace("macro_f1", "folds")] = vals
            row[metric.replace("macro_f1", "diff_vs_base")] = diffs
            row[metric.replace("macro_f1", "mean_gain")] = round(statistics.mean(diffs), 4)
        row["raw_wins"] = sum(d > 0 for d in row["raw_diff_vs_base"])
        row["cpu_msgs_per_s"] = round(statistics.mean(f[name]["cpu_msgs_per_s"] for f in folds), 1)
        row["adoptable"] = (
            name != base and row["raw_wins"] >= 4 and row["raw_mean_gain"] >= min_gain and row["seg_mean_gain"] >= 0
        )
        table[name] = row
    return table


def load(data_path: Path, titles_path: Path, params: classify.ClassifierParams) -> dict[str, Any]:
    """Read messages and titles and tokenise every message once, as given and with the spaces removed."""
    texts, labels = classify.load_labelled(data_path, ["text"], "label")
    classify.prepare_texts(texts[:20], hmm=params.hmm)  # load jieba before anything is timed
    seg_tok, _ = tokens(texts, params)
    raw_tok, raw_s = tokens([t.replace(" ", "") for t in texts], params)
    titles = classify.read_rows(titles_path) if titles_path.exists() else []
    return {
        "texts": texts,
        "labels": labels,
        "titles": titles,
        "seg_tok": seg_tok,
        "raw_tok": raw_tok,
        "raw_tok_s": raw_s,
    }


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the cross-validation and return the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", type=Path, nargs="?", default=DEFAULT_DATA, help="CSV with id,text(segmented),label")
    ap.add_argument("--titles", type=Path, default=None, help="CSV title,label (default: titles_train.csv)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--grid", choices=sorted(BASES), default="models", help="candidate set (see the module doc)")
    ap.add_argument(
        "--only", default="", help="comma-separated candidates of the grid to run besides its base (default: all)"
    )
    args = ap.parse_args(argv)
    params = classify.ClassifierParams()
    only = [n for n in args.only.split(",") if n]
    cands = candidates(params, args.grid, only)
    # Group candidates by feature setting so each fold fits each TF-IDF once (the base's group first).
    keys = list(dict.fromkeys(feature_key(p) for p, _ in cands.values()))
    cands = dict(sorted(cands.items(), key=lambda kv: keys.index(feature_key(kv[1][0]))))
    data = load(args.data, args.titles or args.data.with_name("titles_train.csv"), params)
    skf = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=SEED)
    folds = [run_fold(data, tr, te, params, cands) for tr, te in skf.split(data["texts"], data["labels"])]
    names = [k for k in folds[0] if isinstance(folds[0][k], dict)]
    return {
        "grid": args.grid,
        "base": BASES[args.grid],
        "n_messages": len(data["texts"]),
        "folds": args.folds,
        "n_titles_per_fold": [f["n_titles"] for f in folds],
        "segmentation_cpu_msgs_per_s": round(len(data["texts"]) / data["raw_tok_s"], 1),
        "candidates": summarise(folds, names, BASES[args.grid], MIN_GAINS[args.grid]),
        "fit_cpu_s": {n: round(statistics.mean(f[n]["fit_cpu_s"] for f in folds), 1) for n in names},
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(), ensure_ascii=False) + "\n")
