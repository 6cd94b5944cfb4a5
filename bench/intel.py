"""Benchmark intelligence: classification rate, dedup index/query at up to 1 M cases, hot issues over 100 k."""

from __future__ import annotations

import os

# One core per figure: the box is shared and an intake worker is single-threaded.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402 - thread limits must be set before numpy is imported
import multiprocessing  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _common import emit, percentile  # noqa: E402

from cityloop.intel.classify import model as classify  # noqa: E402
from cityloop.intel.dedup.index import DuplicateIndex, clean  # noqa: E402
from cityloop.intel.hotspots import cluster as hs  # noqa: E402
from dedup_reference import best_one_by_one  # noqa: E402 - the tests' oracle is the baseline here

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tipdm2020"
SEED = 7


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_fragments(paths: Sequence[Path]) -> list[str]:
    """Clauses of real messages, the material synthetic cases are recombined from."""
    frags: list[str] = []
    for path in paths:
        if not path.exists():
            continue
        for row in classify.read_rows(path):
            body = " ".join(v for k, v in row.items() if k in {"text", "留言主题", "留言详情"} and v)
            body = body.replace(" ", "") if "text" in row else body
            frags += [f for f in re.split(r"[，。！？；,.!?;\n]", body) if 4 <= len(f) <= 60]
    return frags


def synth(rng: random.Random, frags: Sequence[str]) -> str:
    """A synthetic case: 3–6 real clauses in random order."""
    return "，".join(rng.choices(frags, k=rng.randint(3, 6))) + "。"


def perturb(rng: random.Random, text: str) -> str:
    """A re-worded duplicate: drop one clause and a few characters."""
    parts = text.split("，")
    if len(parts) > 3:
        parts.pop(rng.randrange(len(parts)))
    out = "，".join(parts)
    for _ in range(3):
        i = rng.randrange(max(1, len(out)))
        out = out[:i] + out[i + 1 :]
    return out


def bench_classify(data: Path, n_eval: int = 1000) -> dict[str, Any]:
    """Train on the fly and measure messages/s including segmentation on raw (unsegmented) text."""
    if not data.exists():
        return {"classify_skipped": f"{data} missing"}
    texts, labels = classify.load_labelled(data, ["text"], "label")
    rng = random.Random(SEED)
    order = list(range(len(texts)))
    rng.shuffle(order)
    test, train = order[:n_eval], order[n_eval:]
    start = time.perf_counter()
    model = classify.train([texts[i] for i in train], [labels[i] for i in train])
    train_s = time.perf_counter() - start
    raw = [texts[i].replace(" ", "") for i in test]
    start, cpu = time.perf_counter(), time.process_time()
    model.predict(raw)
    rate = len(raw) / (time.perf_counter() - start)
    # CPU-seconds rate: robust to other processes sharing the two cores.
    cpu_rate = len(raw) / max(time.process_time() - cpu, 1e-9)
    return {
        "classify_msgs_per_s": round(rate, 1),
        "classify_cpu_msgs_per_s": round(cpu_rate, 1),
        "classify_train_s": round(train_s, 1),
    }


def bench_dedup(frags: Sequence[str], n: int, queries: int) -> dict[str, Any]:
    """Index n synthetic cases one by one, then time queries (half re-worded duplicates, half new texts)."""
    rng = random.Random(SEED)
    index = DuplicateIndex()
    t0 = datetime(2024, 1, 1)
    kept: list[str] = []
    rss_before = rss_mb()
    start = time.perf_counter()
    for i in range(n):
        text = synth(rng, frags)
        if i % max(1, n // queries) == 0:
            kept.append(text)
        index.add(i, text, 120 + rng.random(), 30 + rng.random(), t0 + timedelta(minutes=i), None, None)
    index_s = time.perf_counter() - start
    qs = [perturb(rng, t) for t in kept[: queries // 2]] + [synth(rng, frags) for _ in range(queries // 2)]
    lat: list[float] = []
    found = 0
    for q in qs:
        s = time.perf_counter()
        res = index.query(q, keywords=False)
        lat.append((time.perf_counter() - s) * 1000)
        found += bool(res.matches)
    return {
        "dedup_n": n,
        "dedup_index_per_s": round(n / index_s, 1),
        "dedup_query_p50_ms": round(percentile(lat, 50), 3),
        "dedup_query_p99_ms": round(percentile(lat, 99), 3),
        "dedup_recall_of_reworded": round(
            sum(1 for q in qs[: len(qs) // 2] if index.query(q, keywords=False).matches) / max(1, len(qs) // 2), 3
        ),
        "dedup_rss_growth_mb": round(rss_mb() - rss_before, 1),
        "dedup_queries_with_match": found,
    }


def bench_bruteforce(frags: Sequence[str], n: int = 10_000, queries: int = 300) -> dict[str, Any]:
    """Baseline: brute-force TF-IDF (char bigram) cosine against every case, n cases."""
    rng = random.Random(SEED + 1)
    docs = [clean(synth(rng, frags)) for _ in range(n)]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), dtype=np.float32)
    matrix = vec.fit_transform(docs)
    lat: list[float] = []
    for _ in range(queries):
        q = clean(perturb(rng, docs[rng.randrange(n)]))
        s = time.perf_counter()
        sims = (matrix @ vec.transform([q]).T).toarray().ravel()
        np.flatnonzero(sims >= 0.5)
        lat.append((time.perf_counter() - s) * 1000)
    return {"bruteforce_n": n, "bruteforce_query_p99_ms": round(percentile(lat, 99), 3)}


def bench_burst(frags: Sequence[str], n: int = 3000, queries: int = 300) -> dict[str, Any]:
    """One incident reported n times (a burst: near-identical texts, close by, within hours), then more reports of it.

    Every query brings the full candidate cap of near-duplicates. Baseline, same run and same candidates: each
    candidate scored one by one with string shingle sets, all sorted, the best five kept (the per-candidate way).
    """
    rng = random.Random(SEED + 2)
    incident = [synth(rng, frags) for _ in range(3)]
    t0 = datetime(2024, 7, 1, 8)
    index = DuplicateIndex()
    for i in range(n):
        index.add(i, f"{rng.choice(incident)}（来电{i}）", 120.15 + rng.random() / 200, 30.27 + rng.random() / 200,
                  t0 + timedelta(minutes=i / 20), "030101", None)
    asks = [f"{rng.choice(incident)}（来电{n + q}）" for q in range(queries)]
    at = t0 + timedelta(hours=3)
    lat, base = [], []
    for text in asks:
        s = time.perf_counter()
        got = index.query(text, 120.15, 30.27, at, "030101", None, limit=5, keywords=False).matches
        lat.append((time.perf_counter() - s) * 1000)
        s = time.perf_counter()
        expected = [m[0] for m in best_one_by_one(index, text, 120.15, 30.27, at, 5)]
        base.append((time.perf_counter() - s) * 1000)
        assert [m.id for m in got] == expected, "the bulk path must return what one-by-one scoring returns"
    return {"burst_n": n, "burst_query_p50_ms": round(percentile(lat, 50), 3),
            "burst_query_p99_ms": round(percentile(lat, 99), 3),
            "burst_one_by_one_baseline_p50_ms": round(percentile(base, 50), 3),
            "burst_one_by_one_baseline_p99_ms": round(percentile(base, 99), 3)}


def synth_messages(n: int, seed: int = SEED) -> list[hs.Message]:
    """n messages: the real 4,326 (place + problem titles) re-dated over two years, plus recombined bodies."""
    rows = classify.read_rows(DATA / "messages_with_votes_4326.csv")
    frags = load_fragments([DATA / "messages_with_votes_4326.csv"])
    rng = random.Random(seed)
    start = datetime(2018, 1, 1)
    out: list[hs.Message] = []
    for i in range(n):
        r = rows[i % len(rows)] if i < len(rows) else rng.choice(rows)
        body = r["留言详情"] if i < len(rows) else synth(rng, frags)
        at = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        out.append(hs.Message(str(i), r["留言主题"], body, at, f"u{rng.randrange(n // 2)}", rng.randrange(3), 0))
    return out


def bench_hotspots(n: int) -> dict[str, Any]:
    """Time hs.rank over n messages and over the real 4,326 (the scaling baseline), in a fresh process."""
    if not (DATA / "messages_with_votes_4326.csv").exists():
        return {"hotspots_skipped": "messages_with_votes_4326.csv missing"}
    # A fresh (spawned) process: its peak RSS is the hot-issue run's, not the dedup index's built before it.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_hotspots_run, n).result()


def _hotspots_run(n: int) -> dict[str, Any]:
    hs._standard_place("A市A1区测试路")  # the gazetteer load is a one-off per process, not per run
    real = synth_messages(4326)
    small_ms, small_cpu_ms = _timed(lambda: hs.rank(real, top=20))
    big = synth_messages(n)
    rss_before = current_rss_mb()
    big_ms, big_cpu_ms = _timed(lambda: hs.rank(big, top=20))
    return {
        "hotspots_n": n,
        "hotspots_100k_ms": round(big_ms, 1),
        "hotspots_100k_cpu_ms": round(big_cpu_ms, 1),
        "hotspots_4k_ms": round(small_ms, 1),
        "hotspots_4k_cpu_ms": round(small_cpu_ms, 1),
        "hotspots_per_message_ratio": round((big_ms / n) / (small_ms / 4326), 3),
        "hotspots_per_message_cpu_ratio": round((big_cpu_ms / n) / (small_cpu_ms / 4326), 3),
        "hotspots_100k_peak_rss_mb": rss_mb(),
        "hotspots_100k_rss_growth_mb": round(rss_mb() - rss_before, 1),
    }


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU milliseconds of run() (CPU time is robust to other work on the shared cores)."""
    start, cpu = time.perf_counter(), time.process_time()
    run()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000


def current_rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * resource.getpagesize() / 2**20, 1)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the selected parts and return the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA / "messages_train_segmented.csv")
    ap.add_argument("--dedup-n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--hotspots-n", type=int, default=100_000)
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: classify,dedup,hotspots")
    args = ap.parse_args(argv)
    skip = set(args.skip.split(","))
    figures: dict[str, Any] = {}
    if "classify" not in skip:
        figures |= bench_classify(args.data)
    if "dedup" not in skip:
        frags = load_fragments([DATA / "messages_with_votes_4326.csv", args.data])
        base = bench_bruteforce(frags)
        figures |= base | bench_dedup(frags, args.dedup_n, args.queries)
        figures["dedup_vs_bruteforce_10k_p99_ratio"] = round(
            figures["dedup_query_p99_ms"] / base["bruteforce_query_p99_ms"], 3
        )
        figures |= bench_burst(frags)
    if "hotspots" not in skip:
        figures |= bench_hotspots(args.hotspots_n)
    figures["peak_rss_mb"] = rss_mb()
    return figures


if __name__ == "__main__":
    emit(main())
