"""The `cityloop` command: serve, database, users, taxonomy, cases, demo, SLA and module sub-commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from cityloop.config import get_settings

if TYPE_CHECKING:
    from cityloop.kit.errors import DomainError

app = typer.Typer(help="CityLoop 一网统管 platform", no_args_is_help=True)
db_app = typer.Typer(help="Database schema", no_args_is_help=True)
users_app = typer.Typer(help="Users and API keys", no_args_is_help=True)
taxonomy_app = typer.Typer(help="Taxonomy and responsibility list", no_args_is_help=True)
sla_app = typer.Typer(help="Deadlines: sweep, holiday overrides", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(sla_app, name="sla")


def _mount_optional() -> None:
    """Mount sub-commands of modules (each module owns its CLI file)."""
    import cityloop.models  # noqa: F401  (key rotation walks every table's key-dependent columns: load them all)
    from cityloop.app import register_hooks, register_jobs
    from cityloop.areas.divisions.cli import divisions_app
    from cityloop.areas.elements.cli import elements_app
    from cityloop.areas.grids.cli import grids_app
    from cityloop.audit.cli import audit_app
    from cityloop.cases.cli import cases_app
    from cityloop.cases.demo.cli import demo_app
    from cityloop.cases.rollups.cli import kpi_app
    from cityloop.channels.iot.cli import iot_app
    from cityloop.channels.notify.cli import notify_app
    from cityloop.channels.video.cli import video_app
    from cityloop.governance.backup.cli import backup_command, restore_command
    from cityloop.governance.catalogue.cli import governance_app
    from cityloop.governance.retention import cli as _retention_commands  # noqa: F401  (adds to governance)
    from cityloop.governance.sharing import cli as _sharing_commands  # noqa: F401  (adds to governance)
    from cityloop.gridwork.points.cli import gridwork_app
    from cityloop.intel.reports.cli import report_app
    from cityloop.kit.keys.cli import keys_app
    from cityloop.kit.schedule.cli import jobs_app
    from cityloop.policy.cli import policy_app, registry_app
    from cityloop.services.cli import services_app

    app.add_typer(cases_app, name="cases")
    app.add_typer(demo_app, name="demo")
    app.add_typer(grids_app, name="grids")
    app.add_typer(report_app, name="report")
    app.add_typer(elements_app, name="elements")
    app.add_typer(divisions_app, name="divisions")
    app.add_typer(keys_app, name="keys")
    app.add_typer(jobs_app, name="jobs")
    app.add_typer(gridwork_app, name="gridwork")
    app.add_typer(iot_app, name="iot")
    app.add_typer(notify_app, name="notify")
    app.add_typer(video_app, name="video")
    app.add_typer(registry_app, name="registry")
    app.add_typer(policy_app, name="policy")
    app.add_typer(services_app, name="services")
    app.add_typer(audit_app, name="audit")
    app.add_typer(kpi_app, name="kpi")
    app.add_typer(governance_app, name="governance")
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    register_hooks()
    register_jobs()
    try:
        from cityloop.areas.addresses.cli import address_app

        app.add_typer(address_app, name="address")
    except ImportError:  # module not installed in this build
        pass
    try:
        from cityloop.intel.classify.cli import app as intel_app

        app.add_typer(intel_app, name="intel")
    except ImportError:  # module not installed in this build
        pass


@app.command()
def serve(host: str | None = None, port: int | None = None, workers: int | None = None,
          reload: bool = False) -> None:
    """Serve the web app and API (uvicorn)."""
    import copy

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from cityloop.kit.keys.check import KeyRefused, startup_check
    from cityloop.kit.keys.cli import refuse

    try:
        startup_check()
    except KeyRefused as exc:
        refuse(exc)
    s = get_settings()
    # The application's own messages (rate-limit backend, failed sweeps) go where uvicorn's go.
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["cityloop"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    # Behind a TLS proxy listed here, uvicorn takes the client address and https from X-Forwarded-*,
    # so rate limits count real visitors and cookies get Secure.
    proxies = s.trusted_proxies.strip()
    uvicorn.run("cityloop.app:create_app", factory=True, host=host or s.host, port=port or s.port,
                workers=workers or s.workers, reload=reload, log_level="info", access_log=s.access_log,
                timeout_keep_alive=s.keep_alive_seconds, log_config=log_config, proxy_headers=bool(proxies),
                forwarded_allow_ips=proxies or None, timeout_worker_healthcheck=s.worker_healthcheck_seconds)


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Migrate the database to the newest schema."""
    from cityloop.migrate import upgrade

    upgrade(revision)
    typer.echo(f"database at {revision}: {get_settings().effective_database_url.split('@')[-1]}")


@db_app.command("check")
def db_check() -> None:
    """Fail if models and migrations disagree."""
    from alembic import command

    from cityloop.migrate import alembic_config

    command.check(alembic_config())


@users_app.command("create")
def users_create(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[list[str], typer.Option("--role", help="Repeat for several roles")],
    scope: Annotated[str, typer.Option(help="Division code of the user's area")] = "",
    unit_id: Annotated[int | None, typer.Option(help="Unit the user belongs to")] = None,
) -> None:
    """Create a user."""
    from cityloop.accounts import repository, service
    from cityloop.kit.db import session_scope
    from cityloop.kit.errors import DomainError

    try:
        with session_scope() as session:
            unit = repository.unit_by_id(session, unit_id) if unit_id else None
            user = service.create_user(session, username, password, role, scope=scope, unit=unit)
            typer.echo(json.dumps({"id": user.id, "username": user.username, "roles": user.roles,
                                   "scope": user.scope_code}, ensure_ascii=False))
    except DomainError as exc:
        _fail(exc)


@users_app.command("set-password")
def users_set_password(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set a user's password (same rules as at creation)."""
    from cityloop.accounts import repository, service
    from cityloop.kit.db import session_scope
    from cityloop.kit.errors import DomainError, NotFound

    try:
        with session_scope() as session:
            user = repository.user_by_name(session, username)
            if user is None:
                raise NotFound("用户不存在", "No such user")
            service.change_password(session, user, password)
        typer.echo(f"password of {username} changed")
    except DomainError as exc:
        _fail(exc)


def _fail(exc: DomainError) -> NoReturn:
    """Print a domain error (field by field when it has fields) and exit with status 1."""
    from cityloop.kit.errors import ValidationFailed

    lines = ([f"{f}: {zh} / {en}" for f, (zh, en) in exc.fields.items()] if isinstance(exc, ValidationFailed)
             else [f"{exc.zh} / {exc.en}"])
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(1) from exc


@users_app.command("api-key")
def users_api_key(name: str, role: Annotated[list[str], typer.Option("--role")],
                  scope: Annotated[str, typer.Option()] = "") -> None:
    """Create an API key for a system integration; prints the key once."""
    from cityloop.accounts import service
    from cityloop.kit.auth import Role
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        _key, secret = service.create_api_key(session, name, [Role(r) for r in role], scope or get_settings().city_code)
        typer.echo(secret)


@taxonomy_app.command("import")
def taxonomy_import(file: Path, label: str | None = None) -> None:
    """Import a taxonomy + responsibility list (CSV/XLSX) as a new active version."""
    from cityloop.cases.taxonomy import import_taxonomy
    from cityloop.kit.db import session_scope
    from cityloop.kit.errors import ValidationFailed

    try:
        with session_scope() as session:
            version = import_taxonomy(session, file, label)
            typer.echo(f"imported version {version.id} ({version.label})")
    except ValidationFailed as exc:
        for field, (zh, _en) in exc.fields.items():
            typer.echo(f"{field}: {zh}", err=True)
        raise typer.Exit(1) from exc


@taxonomy_app.command("export")
def taxonomy_export(out: Path, version: int | None = None) -> None:
    """Export a taxonomy version (default: the active one) to CSV or XLSX."""
    from cityloop.cases import repository
    from cityloop.cases.taxonomy import export_rows, write_rows
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        active = repository.active_version(session)
        version_id = version or (active.id if active else None)
        if version_id is None:
            typer.echo("no taxonomy imported yet", err=True)
            raise typer.Exit(1)
        rows = export_rows(session, version_id)
        write_rows(rows, out)
        typer.echo(f"{len(rows)} rows → {out}")


@app.command("audit-verify", hidden=True)
def audit_verify() -> None:
    """Same as `cityloop audit verify` (kept for existing scripts)."""
    from cityloop.audit.cli import verify_command

    verify_command()


@app.command("config-table")
def config_table(write: Annotated[bool, typer.Option(help="Rewrite the table in README.md")] = False) -> None:
    """Print (or write into README.md) the table of every setting."""
    from cityloop.config import ROOT
    from cityloop.kit.settings_doc import replace_table, settings_table

    if write:
        readme = ROOT / "README.md"
        readme.write_text(replace_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        typer.echo(settings_table())


@sla_app.command("sweep")
def sla_sweep() -> None:
    """Run one SLA sweep now (cards, automatic urges, escalations)."""
    from dataclasses import asdict

    from cityloop.cases.tasks import run_sweep

    typer.echo(json.dumps(asdict(run_sweep())))


@sla_app.command("worker")
def sla_worker(every: Annotated[int | None, typer.Option(help="Minutes between sweeps")] = None) -> None:
    """Sweep forever (for deployments that run the sweeper outside the web workers)."""
    import time

    from cityloop.cases.tasks import run_sweep

    while True:
        report = run_sweep()
        typer.echo(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **report.__dict__}))
        time.sleep(60 * (every or get_settings().sweep_minutes))


@sla_app.command("holiday")
def sla_holiday(day: str, workday: Annotated[bool, typer.Option("--workday/--off")] = False, note: str = "") -> None:
    """Override the national calendar for one day (YYYY-MM-DD): a working day or a day off."""
    from datetime import date

    from cityloop.cases.admin import set_override
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        set_override(session, SYSTEM, date.fromisoformat(day), workday, note)
    typer.echo(f"{day}: {'working day' if workday else 'day off'}")


_mount_optional()
