"""Offline analytics commands: duplicates, hot issues, reply quality and early warnings over CSV/XLSX tables."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cityloop.intel import reply_quality as rq
from cityloop.intel.alerts import warnings as wn
from cityloop.intel.classify.model import read_rows
from cityloop.intel.dedup.index import DedupParams, find_pairs
from cityloop.intel.hotspots import cluster as hs

offline_app = typer.Typer(help="Offline text analytics over tables.", no_args_is_help=True)

DataOpt = Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="CSV or XLSX file.")]
OutFile = Annotated[Path, typer.Option("--out", dir_okay=False, help="Output CSV file.")]
_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


def _cols(spec: str, hint: str) -> list[str]:
    cols = [c.strip() for c in spec.split(",") if c.strip()]
    if not cols:
        raise typer.BadParameter("at least one column is required", param_hint=hint)
    return cols


def parse_time(value: str) -> datetime | None:
    """Parse the timestamps found in 12345 exports (slashes or dashes, with or without seconds)."""
    value = (value or "").strip()
    if not value:
        return None
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _rows(path: Path, needed: Sequence[str]) -> list[dict[str, str]]:
    rows = read_rows(path)
    missing = [c for c in needed if rows and c not in rows[0]]
    if missing:
        raise typer.BadParameter(f"columns not found in {path}: {', '.join(missing)}", param_hint="--data")
    return rows


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def _write_csv(path: Path, rows: Sequence[dict[str, Any]], header: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig so that Excel opens the Chinese text correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(header))
        writer.writeheader()
        writer.writerows(rows)


def _echo(obj: dict[str, Any]) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, default=str))


@offline_app.command()
def duplicates(
    data: DataOpt,
    text_cols: Annotated[str, typer.Option("--text-cols", help="Comma-separated text columns, joined in order.")],
    id_col: Annotated[str, typer.Option("--id-col", help="Column with the record id.")],
    out: OutFile,
    time_col: Annotated[
        str | None, typer.Option("--time-col", help="Column with the time (enables the window).")
    ] = None,
    threshold: Annotated[float, typer.Option(min=0.1, max=1.0, help="Similarity to suggest a pair.")] = 0.5,
    auto_threshold: Annotated[float, typer.Option(min=0.1, max=1.0, help="Similarity to auto-merge.")] = 0.85,
) -> None:
    """Find near-duplicate pairs (MinHash LSH + exact character-bigram Jaccard) and write them as CSV."""
    cols = _cols(text_cols, "--text-cols")
    rows = _rows(data, [*cols, id_col, *([time_col] if time_col else [])])
    records = [
        (r[id_col], "\n".join(r.get(c) or "" for c in cols), parse_time(r[time_col]) if time_col else None)
        for r in rows
    ]
    params = DedupParams(suggest_threshold=threshold, auto_merge_threshold=max(threshold, auto_threshold))
    if not time_col:
        params = DedupParams(
            params.suggest_threshold,
            params.auto_merge_threshold,
            window_hours=float("inf"),
            auto_merge_window_hours=float("inf"),
        )
    pairs = find_pairs(records, params)
    header = ["id", "duplicate_of", "decision", "similarity", "jaccard_estimate", "hours_apart"]
    _write_csv(
        out,
        [
            {
                "id": p.id,
                "duplicate_of": p.duplicate_of,
                "decision": p.match.decision,
                "similarity": p.match.similarity,
                "jaccard_estimate": p.match.jaccard_estimate,
                "hours_apart": p.match.hours_apart,
            }
            for p in pairs
        ],
        header,
    )
    _echo(
        {
            "records": len(records),
            "pairs": len(pairs),
            "auto_merge": sum(p.match.decision == "auto_merge" for p in pairs),
            "out": str(out),
        }
    )


@offline_app.command()
def hotspots(
    data: DataOpt,
    text_cols: Annotated[str, typer.Option("--text-cols", help="Title column first, then body columns.")],
    time_col: Annotated[str, typer.Option("--time-col", help="Column with the message time.")],
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="Output directory.")],
    votes_cols: Annotated[str | None, typer.Option("--votes-cols", help="LIKE,DISLIKE columns.")] = None,
    user_col: Annotated[str | None, typer.Option("--user-col", help="Column with the reporter.")] = None,
    id_col: Annotated[str | None, typer.Option("--id-col", help="Column with the message id.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Number of hot issues.")] = 5,
) -> None:
    """Rank hot issues; write hot_issues.csv, hot_issue_messages.csv (Excel-friendly) and hot_issues.md."""
    cols = _cols(text_cols, "--text-cols")
    votes = _cols(votes_cols, "--votes-cols") if votes_cols else []
    rows = _rows(data, [*cols, time_col, *votes, *(c for c in (user_col, id_col) if c)])
    messages = _messages(rows, cols, time_col, votes, user_col, id_col)
    issues = hs.rank(messages, top=top)
    out.mkdir(parents=True, exist_ok=True)
    table = hs.issue_table(issues)
    _write_csv(out / "hot_issues.csv", table, ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"])
    _write_csv(
        out / "hot_issue_messages.csv",
        hs.message_table(issues, messages),
        ["问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"],
    )
    (out / "hot_issues.md").write_text(_markdown(issues), encoding="utf-8")
    _echo({"messages": len(messages), "issues": len(issues), "out": str(out)})


def _messages(
    rows: Sequence[dict[str, str]],
    cols: list[str],
    time_col: str,
    votes: list[str],
    user_col: str | None,
    id_col: str | None,
) -> list[hs.Message]:
    out: list[hs.Message] = []
    for i, r in enumerate(rows):
        at = parse_time(r[time_col])
        if at is None:
            continue
        title = (r.get(cols[0]) or "").strip()
        body = "\n".join((r.get(c) or "").strip() for c in cols[1:]) or title
        out.append(
            hs.Message(
                id=r[id_col] if id_col else str(i + 1),
                title=title,
                text=body,
                at=at,
                user=(r.get(user_col) or "") if user_col else "",
                likes=_int(r.get(votes[0])) if votes else 0,
                dislikes=_int(r.get(votes[1])) if len(votes) > 1 else 0,
            )
        )
    return out


def _markdown(issues: Sequence[hs.HotIssue]) -> str:
    lines = [
        "# 热点问题 / Hot issues",
        "",
        "| 排名 | 热度 | 时间范围 | 地点/人群 | 留言 | 人数 | 点赞 | 问题描述 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for h in issues:
        lines.append(
            f"| {h.rank} | {h.heat} | {h.start:%Y/%m/%d}–{h.end:%Y/%m/%d} | {h.place} | {h.n_messages} | "
            f"{h.n_reporters} | {h.likes} | {h.description} |"
        )
    weights = ", ".join(f"{k} {v}" for k, v in hs.HEAT_WEIGHTS.items())
    lines += ["", f"Heat = 10 × Σ weight × component ({weights}); see docs/intel_analytics.md.", ""]
    return "\n".join(lines)


@offline_app.command("reply-quality")
def reply_quality(
    data: DataOpt,
    question_cols: Annotated[str, typer.Option("--question-cols", help="Columns of the message, joined in order.")],
    reply_col: Annotated[str, typer.Option("--reply-col", help="Column with the reply.")],
    asked_col: Annotated[str, typer.Option("--asked-col", help="Column with the message time.")],
    replied_col: Annotated[str, typer.Option("--replied-col", help="Column with the reply time.")],
    out: OutFile,
) -> None:
    """Score every reply (relevance, completeness, interpretability, timeliness, flags) into a CSV."""
    cols = _cols(question_cols, "--question-cols")
    rows = _rows(data, [*cols, reply_col, asked_col, replied_col])
    inputs = [
        (
            "\n".join(r.get(c) or "" for c in cols),
            r.get(reply_col) or "",
            _day(r.get(asked_col)),
            _day(r.get(replied_col)),
        )
        for r in rows
    ]
    scores = rq.score_all(inputs)
    header = (
        [*rows[0].keys(), "relevance", "completeness", "interpretability", "timeliness", "workdays", "overall", "flags"]
        if rows
        else []
    )
    table = [
        {**r, **{k: v for k, v in asdict(s).items() if k in header}, "flags": ";".join(s.flags)}
        for r, s in zip(rows, scores, strict=True)
    ]
    _write_csv(out, table, header)
    mean = sum(s.overall for s in scores) / len(scores) if scores else 0.0
    _echo(
        {
            "replies": len(scores),
            "mean_overall": round(mean, 1),
            "out": str(out),
            "flagged": sum(bool(s.flags) for s in scores),
        }
    )


def _day(value: str | None) -> date | None:
    at = parse_time(value or "")
    return at.date() if at else None


@offline_app.command()
def warnings(
    data: DataOpt,
    time_col: Annotated[str, typer.Option("--time-col", help="Column with the case time.")],
    category_col: Annotated[str, typer.Option("--category-col", help="Column with the category.")],
    area_col: Annotated[str, typer.Option("--area-col", help="Column with the area (division).")],
    out: OutFile,
    caller_col: Annotated[str | None, typer.Option("--caller-col", help="Column with the caller.")] = None,
    place_col: Annotated[str | None, typer.Option("--place-col", help="Column with the place/address.")] = None,
    p_value: Annotated[float, typer.Option("--p-value", min=1e-9, max=0.5, help="Spike significance.")] = 0.001,
) -> None:
    """Scan every day for category × area spikes and repeated complaints; write the alerts as CSV."""
    rows = _rows(data, [time_col, category_col, area_col, *(c for c in (caller_col, place_col) if c)])
    records = [
        wn.Record(
            day=d,
            category=r[category_col] or "?",
            area=r[area_col] or "?",
            place=(r.get(place_col) or None) if place_col else None,
            caller=(r.get(caller_col) or None) if caller_col else None,
            id=str(i + 1),
        )
        for i, r in enumerate(rows)
        if (d := _day(r[time_col])) is not None
    ]
    alerts = wn.scan(records, params=wn.WarningParams(p_value=p_value))
    header = ["day", "kind", "key", "observed", "expected", "p_value", "window", "evidence"]
    _write_csv(
        out,
        [
            {
                "day": a.day,
                "kind": a.kind,
                "key": "/".join(a.key),
                "observed": a.observed,
                "expected": a.expected,
                "p_value": f"{a.p_value:.3g}",
                "window": f"{a.window[0]}..{a.window[1]}",
                "evidence": json.dumps(a.evidence, ensure_ascii=False, default=str),
            }
            for a in alerts
        ],
        header,
    )
    _echo(
        {
            "records": len(records),
            "alerts": len(alerts),
            "out": str(out),
            "by_kind": {k: sum(a.kind == k for a in alerts) for k in ("spike", "repeat_place", "repeat_caller")},
        }
    )
