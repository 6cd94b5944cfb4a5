"""Reject NUL characters in query strings and text bodies: PostgreSQL text cannot store them."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_TEXT_TYPES = (b"application/json", b"application/x-www-form-urlencoded")
_BODY = json.dumps({"error": "validation_failed", "message": {"zh": "输入包含非法的空字符 (NUL)",
                                                               "en": "Input contains a NUL character"}}).encode()


class NulGuard:
    """ASGI middleware answering 422 to NUL in the query or in a JSON/form body (binary uploads pass)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, then hand the request on with its body replayed."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            await _reject(send)
            return
        if not _is_text(scope):
            await self.app(scope, receive, send)
            return
        messages, body = await _read_all(receive)
        if b"\x00" in body or b"\\u0000" in body or b"%00" in body:
            await _reject(send)
            return
        await self.app(scope, _replay(messages, receive), send)


def _is_text(scope: Scope) -> bool:
    headers: dict[bytes, bytes] = dict(scope.get("headers", []))
    return headers.get(b"content-type", b"").split(b";")[0].strip() in _TEXT_TYPES


async def _read_all(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def _reject(send: Send) -> None:
    headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": _BODY})
