"""CLI of the demo city: `cityloop demo seed` and `cityloop demo logins`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cityloop.cases.states import STATE_META, State

demo_app = typer.Typer(help="Demo city", no_args_is_help=True)


@demo_app.command("seed")
def seed_command(
    cases: Annotated[int, typer.Option(help="Number of cases over the last 90 days.", min=0)] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same city.")] = 42,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing (exit 0) when users exist.")] = False,
    enterprises: Annotated[int, typer.Option(help="Synthetic enterprises for the policy matching demo.",
                                             min=0)] = 30_000,
    persons: Annotated[int, typer.Option(help="Synthetic residents for the 惠民 policy demo.", min=0)] = 50_000,
) -> None:
    """Seed an empty database with the demo city (杭州市: 3 districts), its users and cases."""
    from cityloop.cases.demo import seed as demo
    from cityloop.kit.db import session_scope
    from cityloop.kit.errors import Conflict

    console = Console()
    if if_empty and not demo.is_empty():
        console.print("database already has users: demo seed skipped / 数据库已有数据，跳过演示数据")
        return
    try:
        with console.status(f"Seeding the demo city with {cases} cases…"), session_scope() as session:
            summary = demo.seed(session, cases=cases, seed=seed)
    except Conflict as exc:
        console.print(f"[yellow]{exc.zh}[/] ({exc.en})")
        raise typer.Exit(1) from exc
    _train_demo_models(console)
    if enterprises:
        _seed_policies(console, enterprises, persons, seed)
    console.print(_states_table(summary.by_state))
    console.print(f"{summary.divisions} divisions, {summary.units} units, {summary.users} users, "
                  f"{summary.cases} cases in {summary.seconds} s")
    if not if_empty:  # ./run passes --if-empty and prints the logins itself afterwards
        print_logins()  # from the database: the policy demo's `firm` joins the city's users


def _train_demo_models(console: Console) -> None:
    """Train and activate category and unit models on the demo history, so intake shows suggestions."""
    from cityloop.intel.registry import service as registry
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import session_scope
    from cityloop.kit.errors import DomainError

    with console.status("Training the demo category and unit models…"):
        for kind in ("category", "unit"):
            try:
                with session_scope() as session:
                    registry.retrain(session, SYSTEM, kind)
            except (ValueError, DomainError) as exc:  # a small demo (--cases 30) has too few examples: seed anyway
                console.print(f"[yellow]未训练{kind}模型（样本太少）[/] / {kind} model not trained: {exc}")


def _seed_policies(console: Console, enterprises: int, persons: int, seed: int) -> None:
    """The enterprise and person registries, the demo policies, a match (notices included), the `firm` account."""
    from cityloop.config import get_settings
    from cityloop.kit.db import session_scope
    from cityloop.policy.demo import seed as policy_demo

    with console.status(f"Seeding {enterprises} enterprises, {persons} residents and the demo policies…"), \
            session_scope() as session:
        done = policy_demo.seed(session, get_settings().demo_password, enterprises, seed, persons)
    console.print(f"{done.enterprises} enterprises, {done.persons} residents, {done.policies} policies: "
                  f"{done.eligible} eligible and {done.near_miss} near-miss pairs, {done.notices} notices "
                  f"in {done.seconds} s; "
                  f"`firm` speaks for {done.firm_name} ({done.firm_uscc})")


@demo_app.command("logins")
def logins_command(
    all_users: Annotated[bool, typer.Option("--all", help="List every user, not only role users.")] = False,
) -> None:
    """Print the demo logins (username, role, unit, password)."""
    print_logins(all_users)


def print_logins(all_users: bool = False) -> None:
    """Print the demo logins of the current database (for `./run` after seeding)."""
    from cityloop.cases.demo import seed as demo
    from cityloop.config import get_settings
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        rows = demo.logins(session)
    _print_logins(Console(), rows, get_settings().demo_password, all_users)


def _states_table(by_state: dict[str, int]) -> Table:
    table = Table(title="Cases by state / 工单状态")
    table.add_column("State")
    table.add_column("状态")
    table.add_column("Cases", justify="right")
    for state in State:
        if by_state.get(state):
            table.add_row(str(state), STATE_META[state][0], str(by_state[state]))
    table.add_row("total", "合计", str(sum(by_state.values())), style="bold")
    return table


def _print_logins(console: Console, rows: list[tuple[str, str, str]], password: str,
                  all_users: bool = False) -> None:
    from cityloop.cases.demo.seed import SHOWN_USERS, role_label

    shown = rows if all_users else [r for r in rows if r[0] in SHOWN_USERS]
    table = Table(title="Demo logins / 演示账号")
    for column in ("Username", "Role", "Unit", "Password"):
        table.add_column(column)
    for username, role, unit in shown:
        table.add_row(username, f"{role} {role_label(role)}", unit, password)
    console.print(table)
    if not all_users and len(rows) > len(shown):
        console.print(f"{len(rows) - len(shown)} more users with the same password: a handler per "
                      "department (city_chengguan, xh_chengguan…) and street office (xh_beishan…), a grid "
                      "worker per street (xh_beishan_grid…). `cityloop demo logins --all` lists them.")
