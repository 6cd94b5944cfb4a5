"""Application factory the browser tests serve with uvicorn (the page router is mounted if app.py lacks it)."""

from __future__ import annotations

from fastapi import FastAPI

from cityloop.app import create_app
from cityloop.web.router import router


def app() -> FastAPI:
    """The app with its pages."""
    application = create_app()
    if not any(getattr(r, "path", "") == "/login" for r in application.routes):
        application.include_router(router)
    return application
