"""Which editor each field gets, and how widget values map back to API values.

Pure functions (no Streamlit) so the mapping is unit-testable and the review page
stays a thin layout.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

IMMUNE_VALUES = ("IMMUNE", "NOT IMMUNE")
MEDICINE_COLUMNS = ("name", "strength")

DATE_FIELDS = frozenset({"date", "record_date", "birth_date", "insurance_expiry"})
BOOL_FIELDS = frozenset({"hepatitis_b_vaccinated", "has_insurance"})
INT_FIELDS = frozenset({"refills"})
IMMUNE_FIELDS = frozenset({"chicken_pox", "measles"})
TABLE_FIELDS = frozenset({"medicines"})


class Editor(StrEnum):
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    INT = "int"
    IMMUNE = "immune"
    TABLE = "table"


def editor_for(name: str, value: Any) -> Editor:
    """Pick the editor by field name first (known specs), then by the value's type."""
    if name in TABLE_FIELDS:
        return Editor.TABLE
    if name in DATE_FIELDS:
        # A value the engine could not read as a date stays editable as text.
        return Editor.DATE if value is None or parse_iso_date(value) else Editor.TEXT
    if name in BOOL_FIELDS:
        return Editor.BOOL
    if name in INT_FIELDS:
        return Editor.INT
    if name in IMMUNE_FIELDS:
        return Editor.IMMUNE
    if isinstance(value, bool):
        return Editor.BOOL
    if isinstance(value, int):
        return Editor.INT
    if isinstance(value, list):
        return Editor.TABLE
    if isinstance(value, str) and parse_iso_date(value):
        return Editor.DATE
    return Editor.TEXT


def parse_iso_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def to_widget(editor: Editor, value: Any) -> Any:
    """API value -> the initial value of its widget."""
    if editor is Editor.DATE:
        return parse_iso_date(value)
    if editor is Editor.BOOL:
        return value if isinstance(value, bool) else None
    if editor is Editor.INT:
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None
    if editor is Editor.IMMUNE:
        return value if value in IMMUNE_VALUES else None
    if editor is Editor.TABLE:
        return table_rows(value)
    return "" if value is None else str(value)


def table_rows(value: Any) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for item in value or []:
        if isinstance(item, dict):
            rows.append({c: _cell(item.get(c)) for c in MEDICINE_COLUMNS})
        elif item is not None:
            rows.append({"name": str(item), "strength": ""})
    return rows


def from_widget(editor: Editor, value: Any) -> Any:
    """Widget value -> the JSON value the review endpoint expects."""
    if editor is Editor.DATE:
        return value.isoformat() if isinstance(value, dt.date) else None
    if editor is Editor.INT:
        return None if _is_missing(value) else int(value)
    if editor is Editor.TABLE:
        return rows_from_table(value)
    if editor is Editor.TEXT:
        text = "" if value is None else str(value).strip()
        return text or None
    return value


def rows_from_table(value: Any) -> list[dict[str, str | None]]:
    """data_editor output (DataFrame or list of dicts) -> medicines, blank rows dropped."""
    records = value.to_dict("records") if hasattr(value, "to_dict") else list(value or [])
    out: list[dict[str, str | None]] = []
    for row in records:
        cells = {c: _cell(row.get(c)) or None for c in MEDICINE_COLUMNS}
        if any(cells.values()):
            out.append(cells)
    return out


def _cell(v: Any) -> str:
    return "" if _is_missing(v) else str(v).strip()


def _is_missing(v: Any) -> bool:
    """None, NaN or pandas' NA (what data_editor puts in new, untouched cells)."""
    if v is None:
        return True
    try:
        return bool(v != v)
    except TypeError:  # pd.NA refuses to be a bool
        return True
