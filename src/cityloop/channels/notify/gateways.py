"""Delivery gateways: `log` (nothing leaves the server) and HTTP POST of JSON (SMS providers, webhooks)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from cityloop.config import get_settings
from cityloop.kit import catalogue

log = logging.getLogger("cityloop.notify")


class DeliveryFailed(Exception):
    """The gateway did not take the message; the text says why (kept as the attempt's error)."""


class Gateway(Protocol):
    """Something that delivers one message or raises DeliveryFailed."""

    name: str

    def send(self, to: str, body: dict[str, Any]) -> None:
        """Deliver `body` to `to`."""


@dataclass
class LogGateway:
    """Writes the message to the application log; the delivery log records it like any other attempt."""

    name: str = "log"

    def send(self, to: str, body: dict[str, Any]) -> None:
        """Log the message (the number is masked: the app log is read by more people than the outbox)."""
        log.info("SMS to %s: %s", catalogue.masked("notify_outbox", "recipient", to), body.get("text", ""))


@dataclass
class HttpGateway:
    """POSTs JSON with a bearer token; any 2xx answer means delivered."""

    url: str
    token: str
    timeout: float
    name: str = "http"

    def send(self, to: str, body: dict[str, Any]) -> None:
        """POST the body (with `to` added when the address is not the recipient itself)."""
        data = json.dumps(body if to == self.url else {"to": to, **body}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"HTTP {exc.code} from {self.url}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status} from {self.url}")


def sms_gateway() -> Gateway:
    """The SMS gateway the settings choose."""
    s = get_settings()
    if s.notify_sms_gateway == "http":
        return HttpGateway(s.notify_sms_url, s.notify_sms_token, s.notify_timeout_seconds)
    return LogGateway()


def webhook_gateway(url: str) -> Gateway:
    """The gateway of a webhook address."""
    s = get_settings()
    return HttpGateway(url, s.notify_webhook_token, s.notify_timeout_seconds)
