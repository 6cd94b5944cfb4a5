"""`cityloop registry …` and `cityloop policy …`: registry and policy imports, matching to CSV."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from cityloop.kit.auth import SYSTEM
from cityloop.kit.cli_run import in_session
from cityloop.policy.registry.persons.rows import HEADER_HELP

registry_app = typer.Typer(help="Matching registries (企业库, 人口库) for 免申即享", no_args_is_help=True)
registry_import_app = typer.Typer(help="Import a registry", no_args_is_help=True)
registry_app.add_typer(registry_import_app, name="import")
policy_app = typer.Typer(help="Policies (免申即享): import, match", no_args_is_help=True)
MATCH_COLUMNS = ["subject_id", "policy_id", "eligible", "failed"]


KeepGood = Annotated[bool, typer.Option("--keep-good", help="Import the good rows, skip bad ones.")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue the unfinished import of the same file (by "
                                      "SHA-256) after its last committed chunk.")]
ChunkSize = Annotated[int, typer.Option("--chunk-size", min=1, help="Rows committed together.")]


@registry_import_app.command("enterprises")
def import_enterprises(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8) or XLSX with the header "
                                         "uscc,name,industry,scale,registered_year,division_code,employees,revenue,"
                                         "tax_credit,high_tech,rnd_ratio[,extra] (extra: an optional JSON object)")],
    keep_good: KeepGood = False, resume: Resume = False, chunk_size: ChunkSize = 5000,
) -> None:
    """Import or update enterprises; nothing is written if any row is bad (unless --keep-good)."""
    from cityloop.policy.registry import service

    report = in_session(lambda s: service.import_enterprises(s, SYSTEM, file.read_bytes(), file.name, keep_good,
                                                             resume, chunk_size))
    _print_report(asdict(report))


@registry_import_app.command("persons")
def import_persons(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8) or XLSX with the header "
                                         + HEADER_HELP)],
    keep_good: KeepGood = False, resume: Resume = False, chunk_size: ChunkSize = 5000,
) -> None:
    """Import or update persons (matched by ID number); nothing is written if any row is bad (unless --keep-good)."""
    from cityloop.policy.registry.persons import service

    report = in_session(lambda s: service.import_persons(s, SYSTEM, file.read_bytes(), file.name, keep_good,
                                                         resume, chunk_size))
    _print_report(asdict(report))


def _print_report(out: dict[str, Any]) -> None:
    out["errors"] = out["errors"][:100]
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


@policy_app.command("import")
def import_policies(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                         help="JSON array of policies")]) -> None:
    """Import or replace policies; a bad criterion is named by its path and nothing is written."""
    from cityloop.policy.policies import service

    report = in_session(lambda s: service.import_json(s, SYSTEM, file.read_bytes()))
    typer.echo(json.dumps(asdict(report), ensure_ascii=False, indent=2))


@policy_app.command("match")
def match(
    out: Annotated[Path, typer.Option("--out", help="CSV to write: subject_id,policy_id,eligible,failed")],
    policy: Annotated[str | None, typer.Option("--policy", help="Only this policy id")] = None,
) -> None:
    """Match policies against the registry; write eligible and near-miss pairs (failed labels `;`-separated)."""
    from cityloop.policy.matching import service

    rows = in_session(lambda s: service.match(s, SYSTEM, policy))
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MATCH_COLUMNS)
        for r in rows:
            writer.writerow([r.subject_id, r.policy_id, "true" if r.eligible else "false", ";".join(r.failed)])
    summary = {"rows": len(rows), "eligible": sum(r.eligible for r in rows),
               "near_miss": sum(not r.eligible for r in rows), "out": str(out)}
    typer.echo(json.dumps(summary, ensure_ascii=False))
