"""统一社会信用代码 with the GB 32100 check character (the standard's 31-character alphabet and weights)."""

from __future__ import annotations

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def with_check(body: str) -> str:
    """The 17-character body followed by its check character."""
    total = sum(CHARS.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + CHARS[(31 - total % 31) % 31]


def code(kind: str, division6: str, serial: int) -> str:
    """A code: authority and kind (`91` = 工商 企业), the 6-digit division, a 9-character serial, the check."""
    digits = ""
    n = serial
    for _ in range(9):
        n, r = divmod(n, 31)
        digits = CHARS[r] + digits
    return with_check(kind + division6 + digits)
