"""Benchmark the category classifier on a held-out split; print ONE JSON object of figures."""

from __future__ import annotations

import os

# One core: the figure must hold for a single intake worker, and the box is shared.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402 - thread limits must be set before numpy is imported
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from cityloop.intel import text as textmod  # noqa: E402
from cityloop.intel.classify import model as classify  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "tipdm2020" / "messages_train_segmented.csv"
SEED = 42


def _bigrams(s: str) -> set[str]:
    cjk = "".join(ch for ch in s if "\u4e00" <= ch <= "\u9fff")
    return {cjk[i : i + 2] for i in range(len(cjk) - 1)}


def split_titles(
    titles: Sequence[dict[str, str]], train_msgs: Sequence[str], test_msgs: Sequence[str]
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Assign each title to the train or test message it opens; unmatched titles are dropped."""
    # The titles file holds the titles of the same messages: a title of a held-out message must not be trained on.
    heads = [(m.replace(" ", "")[:60], False) for m in train_msgs] + [
        (m.replace(" ", "")[:60], True) for m in test_msgs
    ]
    index: defaultdict[str, list[int]] = defaultdict(list)
    for i, (head, _) in enumerate(heads):
        for bg in _bigrams(head):
            index[bg].append(i)
    train_t: list[dict[str, str]] = []
    test_t: list[dict[str, str]] = []
    for row in titles:
        grams = _bigrams(row["title"])
        hits = Counter(i for g in grams for i in index.get(g, ()))
        if not hits:
            continue
        count = max(hits.values())
        if count >= 0.5 * len(grams):
            # Ties (near-duplicate messages on both sides) go to the held-out side, whatever the set order.
            held_out = any(heads[i][1] for i, n in hits.items() if n == count)
            (test_t if held_out else train_t).append(row)
    return train_t, test_t


def baseline(x_tr: list[str], y_tr: list[str], x_te: list[str], y_te: list[str], raw: list[str]) -> dict:
    """Plain word TF-IDF + LinearSVC on segmented text (the published classic)."""
    model = make_pipeline(TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False), LinearSVC()).fit(
        x_tr, y_tr
    )
    f1 = f1_score(y_te, model.predict(x_te), average="macro")
    start = time.perf_counter()
    model.predict([" ".join(textmod.segment(t)) for t in raw])
    rate = len(raw) / (time.perf_counter() - start)
    return {"macro_f1": round(float(f1), 4), "msgs_per_s": round(rate, 1)}


def latency_ms(model: classify.TextClassifier, texts: Sequence[str]) -> float:
    """Return the median latency of one suggest() call at intake."""
    times = []
    for t in texts:
        start = time.perf_counter()
        model.suggest(t, 3)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def cpu_rate(model: classify.TextClassifier, texts: Sequence[str]) -> float:
    """Return messages per CPU-second (robust to other processes sharing the machine)."""
    start = time.process_time()
    model.predict(texts)
    return round(len(texts) / max(time.process_time() - start, 1e-9), 1)


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the benchmark and return the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CSV with id,text(segmented),label")
    ap.add_argument("--titles", type=Path, default=None, help="CSV title,label (default: titles_train.csv)")
    ap.add_argument("--max-chars", type=int, default=classify.ClassifierParams.max_chars)
    ap.add_argument("--hmm", action=argparse.BooleanOptionalAction, default=classify.ClassifierParams.hmm)
    args = ap.parse_args(argv)
    titles_path = args.titles or args.data.with_name("titles_train.csv")

    texts, labels = classify.load_labelled(args.data, ["text"], "label")
    x_tr, x_te, y_tr, y_te = train_test_split(texts, labels, test_size=0.2, stratify=labels, random_state=SEED)
    raw_te = [t.replace(" ", "") for t in x_te]  # simulates raw text: the segmenter must find the words again
    titles = classify.read_rows(titles_path) if titles_path.exists() else []
    t_tr, t_te = split_titles(titles, x_tr, x_te)

    base = baseline(x_tr, y_tr, x_te, y_te, raw_te)
    params = classify.ClassifierParams(max_chars=args.max_chars, hmm=args.hmm)
    start = time.perf_counter()
    model = classify.train(x_tr + [r["title"] for r in t_tr], y_tr + [r["label"] for r in t_tr], params)
    train_s = time.perf_counter() - start
    seg = classify.evaluate(model, x_te, y_te)
    raw = classify.evaluate(model, raw_te, y_te)
    tit = classify.evaluate(model, [r["title"] for r in t_te], [r["label"] for r in t_te]) if t_te else None
    return {
        "n_train": len(x_tr),
        "n_extra_titles": len(t_tr),
        "n_heldout": len(x_te),
        "macro_f1": seg["macro_f1"],
        "accuracy": seg["accuracy"],
        "raw_macro_f1": raw["macro_f1"],
        "raw_accuracy": raw["accuracy"],
        "titles_macro_f1": tit["macro_f1"] if tit else None,
        "titles_n": len(t_te),
        "msgs_per_s": raw["msgs_per_s"],
        "cpu_msgs_per_s": cpu_rate(model, raw_te),
        "suggest_p50_ms": latency_ms(model, raw_te[:200]),
        "train_s": round(train_s, 1),
        "baseline_macro_f1": base["macro_f1"],
        "baseline_msgs_per_s": base["msgs_per_s"],
        "macro_f1_ratio": round(seg["macro_f1"] / base["macro_f1"], 4),
        "msgs_per_s_ratio": round(raw["msgs_per_s"] / base["msgs_per_s"], 3),
        "per_class_raw_f1": {k: v["f1"] for k, v in raw["per_class"].items()},
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(), ensure_ascii=False) + "\n")
