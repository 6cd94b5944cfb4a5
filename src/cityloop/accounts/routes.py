"""Accounts API: token issue and the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from cityloop.accounts import service
from cityloop.accounts.deps import CurrentSubject
from cityloop.accounts.schemas import MeOut, PasswordChangeIn, TokenOut
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Forbidden, TooManyRequests, Unauthorized, ValidationFailed, error_responses

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/token", response_model=TokenOut, responses=error_responses(Unauthorized, TooManyRequests))
def token(request: Request, session: DbSession, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    """Log in with username and password; returns a bearer token."""
    address = request.client.host if request.client else ""
    user = service.authenticate(session, form.username, form.password, address)
    return TokenOut(access_token=service.issue_token(user))


@router.get("/me", response_model=MeOut)
def me(subject: CurrentSubject, session: DbSession) -> MeOut:
    """Who the caller is: roles, unit and area scope."""
    return service.describe(session, subject)


@router.post("/me/password", status_code=204, responses=error_responses(Forbidden, ValidationFailed))
def change_password(body: PasswordChangeIn, subject: CurrentSubject, session: DbSession) -> None:
    """Change the caller's own password (common passwords and ones containing the username are refused)."""
    service.change_own_password(session, subject, body.current_password, body.new_password)


@router.get("/units", responses=error_responses(Forbidden))
def units(subject: CurrentSubject, session: DbSession) -> list[dict[str, object]]:
    """Units staff can dispatch to (citizens get 403)."""
    return service.list_units(session, subject)


@router.get("/users", responses=error_responses(Forbidden))
def users(subject: CurrentSubject, session: DbSession) -> list[dict[str, object]]:
    """Users inside the admin's area."""
    return service.list_users(session, subject)
