"""Which editor each field gets, and how widget values map back to API values.

Pure functions (no Streamlit) so the mapping is unit-testable and the review page
stays a thin layout.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

MEDICINE_COLUMNS = ("name", "strength")


class Editor(StrEnum):
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    INT = "int"
    NUMBER = "number"
    CHOICE = "choice"
    TABLE = "table"


# Spec field type -> editor; types not named here (text, name, address, phone, ...) are text.
_BY_TYPE = {
    "date": Editor.DATE,
    "bool": Editor.BOOL,
    "int": Editor.INT,
    "number": Editor.NUMBER,
    "choice": Editor.CHOICE,
    "medicines": Editor.TABLE,
}


def spec_fields(document_types: list[dict[str, Any]], doc_type: str | None) -> dict[str, dict]:
    """{field: {type, label, choices, ...}} of one type, from GET /v1/document-types."""
    for t in document_types:
        if t.get("name") == doc_type:
            return {f["name"]: f for f in t.get("fields") or []}
    return {}


def editor_for(field_type: str | None, value: Any) -> Editor:
    """The editor the spec's field type calls for; a field no spec knows goes by its value."""
    if field_type is not None:
        editor = _BY_TYPE.get(field_type, Editor.TEXT)
        if editor is Editor.DATE and value is not None and not parse_iso_date(value):
            return Editor.TEXT  # a value the engine could not read as a date stays editable
        return editor
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


def label(name: str, spec: dict[str, Any] | None = None) -> str:
    return str((spec or {}).get("label") or name.replace("_", " ").capitalize())


def to_widget(editor: Editor, value: Any, choices: tuple[str, ...] | list[str] = ()) -> Any:
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
    if editor is Editor.NUMBER:
        try:
            return float(value) if value is not None else None
        except (TypeError, ValueError):
            return None
    if editor is Editor.CHOICE:
        return value if value in choices else None
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
    if editor is Editor.NUMBER:
        return None if _is_missing(value) else (int(value) if value == int(value) else value)
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
