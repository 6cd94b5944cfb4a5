"""Typed domain errors that carry their HTTP status and a bilingual message."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DomainError(Exception):
    """Base of all errors a service may raise; rendered once for API and pages."""

    status = 400
    code = "error"

    def __init__(self, zh: str, en: str, **details: Any) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.details = details

    def payload(self) -> dict[str, Any]:
        """JSON body for this error."""
        body: dict[str, Any] = {"error": self.code, "message": {"zh": self.zh, "en": self.en}}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    """The object does not exist or is outside the caller's scope."""

    status = 404
    code = "not_found"


class Unauthorized(DomainError):
    """No valid credentials."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """The caller may not do this."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The object changed meanwhile or already exists."""

    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    """The action is not allowed in the case's current state."""

    code = "invalid_transition"


class ValidationFailed(DomainError):
    """Input is well-formed but breaks a rule; `fields` maps field → (zh, en)."""

    status = 422
    code = "validation_failed"

    def __init__(self, fields: dict[str, tuple[str, str]]) -> None:
        super().__init__("输入有误", "Invalid input", fields={k: {"zh": z, "en": e} for k, (z, e) in fields.items()})
        self.fields = fields


class TooManyRequests(DomainError):
    """Throttled (failed logins, or too many requests from one address); `Retry-After` says for how long."""

    status = 429
    code = "too_many_requests"


def error_headers(exc: DomainError) -> dict[str, str] | None:
    """HTTP headers an error answer carries: the auth scheme with 401, the seconds to wait with 429."""
    if exc.status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if exc.status == 429 and "retry_after" in exc.details:
        return {"Retry-After": str(int(exc.details["retry_after"]))}
    return None


class ErrorMessage(BaseModel):
    """The message of an error in both languages."""

    zh: str
    en: str


class ErrorOut(BaseModel):
    """JSON body of every error answer (domain errors, malformed input, NUL characters)."""

    error: str = Field(description="Machine-readable code, e.g. not_found, invalid_transition, validation_failed")
    message: ErrorMessage
    details: dict[str, Any] | None = Field(default=None, description="Context; `fields` maps a field to its message")


def error_responses(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the domain errors a route may raise: status → error model and descriptions."""
    described: dict[int, list[str]] = {}
    for error in errors:
        described.setdefault(error.status, []).append(f"`{error.code}`: {(error.__doc__ or '').strip()}")
    return {status: {"model": ErrorOut, "description": " · ".join(lines)} for status, lines in described.items()}


_HTTP_ERRORS = {400: ("bad_request", "请求内容无法读取"), 404: ("not_found", "地址不存在"),
                405: ("method_not_allowed", "不支持该请求方法"), 413: ("too_large", "请求内容过大")}


def http_error_payload(status: int, detail: str) -> dict[str, Any]:
    """`ErrorOut` body for an error the web framework raises itself (unreadable body, unknown path, wrong method)."""
    code, zh = _HTTP_ERRORS.get(status, ("error", "请求出错"))
    return {"error": code, "message": {"zh": zh, "en": detail}}
