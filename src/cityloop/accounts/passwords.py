"""Password rules: length, the common-password list shipped in data/, and the username."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 8
_LIST = Path(__file__).resolve().parent / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def problem(username: str, password: str) -> tuple[str, str] | None:
    """Why `password` is refused for `username` (zh, en), or None when it is acceptable."""
    lowered, name = password.lower(), username.strip().lower()
    if len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}位", f"Password must have at least {MIN_LENGTH} characters"
    if lowered in common_passwords():
        return "密码过于常见，请换一个不易猜到的密码", "This password is too common; choose one that is harder to guess"
    # Very short names (e.g. "li") would forbid too many good passwords; they are still refused verbatim.
    if name and (lowered == name or (len(name) >= 3 and name in lowered)):
        return "密码不能包含用户名", "The password must not contain the username"
    return None
