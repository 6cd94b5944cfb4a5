"""Helpers of the page tests: CSRF token, form login and form posts."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from builders import PASSWORD
from cityloop.app import create_app
from cityloop.web.router import router
from cityloop.web.security import CSRF_COOKIE


def web_app() -> FastAPI:
    """The application with the page router (mounted here until app.py includes it)."""
    app = create_app()
    if not any(getattr(r, "path", "") == "/login" for r in app.routes):
        app.include_router(router)
    return app


def csrf(c: TestClient) -> str:
    """The CSRF token of a browser (visiting a page first if it has none)."""
    if CSRF_COOKIE not in c.cookies:
        c.get("/login")
    return str(c.cookies[CSRF_COOKIE])


def login(c: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log a browser in through the login form."""
    r = c.post("/login", data={"username": username, "password": password, "csrf_token": csrf(c)},
               follow_redirects=False)
    assert r.status_code == 303, r.text


def post(c: TestClient, url: str, data: dict[str, Any] | None = None, files: Any = None) -> httpx.Response:
    """POST a form with the CSRF token, without following redirects."""
    return c.post(url, data={**(data or {}), "csrf_token": csrf(c)}, files=files, follow_redirects=False)
