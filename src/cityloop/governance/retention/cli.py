"""`cityloop governance retention|export-person|erase-person|hold`: the retention job and personal-data requests."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cityloop.governance.catalogue.cli import governance_app
from cityloop.kit.cli_run import in_session


@governance_app.command("retention")
def retention_command() -> None:
    """Delete reporter identities whose retention period is over (runs daily inside `cityloop serve` too)."""
    from cityloop.governance.retention.service import anonymise_expired

    def work(session):  # type: ignore[no-untyped-def]
        outcome = anonymise_expired(session)
        session.commit()
        return outcome

    outcome = in_session(work)
    typer.echo(json.dumps({"anonymised": len(outcome.erased)}))


def _admin():  # type: ignore[no-untyped-def]
    from cityloop.kit.auth import Role, Subject

    return Subject(id=None, name="cli-admin", roles=frozenset({Role.ADMIN}), scope="", kind="system")


@governance_app.command("export-person")
def export_person_command(phone: Annotated[str, typer.Option(help="The person's phone number")]) -> None:
    """Print everything held about one person (PIPL art. 45) as JSON; the export is audited."""
    from cityloop.governance.retention.service import export_person

    def work(session):  # type: ignore[no-untyped-def]
        found = export_person(session, _admin(), phone)
        session.commit()
        return found

    typer.echo(json.dumps(in_session(work), ensure_ascii=False, indent=1))


@governance_app.command("erase-person")
def erase_person_command(phone: Annotated[str, typer.Option(help="The person's phone number")],
                         note: Annotated[str, typer.Option(help="Where the request came from")]) -> None:
    """Delete one person's identity from every case (PIPL art. 47), except cases on legal hold."""
    from cityloop.governance.retention.service import erase_person

    def work(session):  # type: ignore[no-untyped-def]
        outcome = erase_person(session, _admin(), phone, note)
        session.commit()
        return outcome

    outcome = in_session(work)
    typer.echo(json.dumps({"erased": len(outcome.erased), "held": len(outcome.held)}))


@governance_app.command("hold")
def hold_command(number: Annotated[str, typer.Argument(help="Case number")],
                 note: Annotated[str, typer.Option(help="The legal ground")],
                 release: Annotated[bool, typer.Option(help="Release the hold instead")] = False) -> None:
    """Put a case on legal hold (its personal data is then kept), or release it."""
    from cityloop.governance.retention.service import set_hold

    def work(session):  # type: ignore[no-untyped-def]
        case = set_hold(session, _admin(), number, not release, note)
        session.commit()
        return case.id

    typer.echo(json.dumps({"case_id": in_session(work), "legal_hold": not release}))
