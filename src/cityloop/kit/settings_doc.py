"""Render the Settings class as the README's configuration table."""

from __future__ import annotations

from datetime import date

from cityloop.config import Settings

BEGIN = "<!-- settings-table:begin -->"
END = "<!-- settings-table:end -->"


def settings_table() -> str:
    """Markdown table: environment variable, default, description — one row per setting."""
    rows = ["| Variable | Default | Description |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "(repo)/var" + str(default).split("/var", 1)[1] if "/var" in str(default) else repr(default)
        if isinstance(default, date):
            shown = default.isoformat()  # the form the environment variable takes
        rows.append(f"| `CITYLOOP_{name.upper()}` | `{shown}` | {field.description or ''} |")
    return "\n".join(rows)


def replace_table(readme: str) -> str:
    """README text with the block between the markers regenerated."""
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{settings_table()}\n{END}{tail}"
