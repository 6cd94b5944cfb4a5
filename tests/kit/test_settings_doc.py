"""The README's configuration table is the one generated from Settings."""

from __future__ import annotations

from cityloop.config import ROOT, Settings
from cityloop.kit.settings_doc import replace_table, settings_table


def test_readme_table_is_up_to_date() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert replace_table(readme) == readme, "run `cityloop config-table --write`"


def test_every_setting_has_a_description_and_a_row() -> None:
    table = settings_table()
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert f"CITYLOOP_{name.upper()}" in table
