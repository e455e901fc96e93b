"""Field values: normalised JSON for the record, and typed values for its columns."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

DATE_FIELDS = {"date", "record_date", "birth_date", "insurance_expiry"}
BOOL_FIELDS = {"hepatitis_b_vaccinated", "has_insurance"}
INT_FIELDS = {"refills"}
FLOAT_FIELDS = {"weight", "height"}
LIST_FIELDS = {"medicines"}
EMPTY = {"", "n/a", "na", "none", "-", "null"}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class FieldValueError(ValueError):
    """A reviewed value that does not fit its field (message names the field only)."""


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip().lower() in EMPTY)


def normalise(name: str, value: Any) -> Any:
    """Strictly check and normalise one reviewed value; raise FieldValueError if it won't do."""
    if _empty(value):
        return None
    if name in DATE_FIELDS:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10]).isoformat()
            except ValueError:
                pass
        raise FieldValueError(f"'{name}' must be a date as YYYY-MM-DD.")
    if name in BOOL_FIELDS:
        if isinstance(value, bool):
            return value
        if isinstance(value, str | int) and str(value).strip().lower() in _TRUE | _FALSE:
            return str(value).strip().lower() in _TRUE
        raise FieldValueError(f"'{name}' must be true or false.")
    if name in INT_FIELDS:
        if isinstance(value, bool):
            raise FieldValueError(f"'{name}' must be a whole number.")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*\d{1,9}\s*", value):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise FieldValueError(f"'{name}' must be a whole number.")
    if name in LIST_FIELDS:
        if not isinstance(value, list):
            raise FieldValueError(f"'{name}' must be a list of {{name, strength}}.")
        out = []
        for item in value:
            if isinstance(item, str) and item.strip():
                out.append({"name": item.strip(), "strength": None})
            elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
                strength = item.get("strength")
                if strength is not None and not isinstance(strength, str | int | float):
                    raise FieldValueError(f"'{name}' strengths must be text.")
                out.append({"name": item["name"].strip()[:255],
                            "strength": None if _empty(strength) else str(strength)[:100]})
            else:
                raise FieldValueError(f"'{name}' must be a list of {{name, strength}}.")
        return out
    if isinstance(value, bool | int | float) and name in FLOAT_FIELDS:
        return str(value)
    if isinstance(value, str):
        return value.strip()[:5000]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise FieldValueError(f"'{name}' must be text.")


def column_value(name: str, value: Any) -> Any:
    """Lenient conversion of a stored JSON value to its typed column (None when it won't do)."""
    if _empty(value):
        return None
    try:
        if name in DATE_FIELDS:
            return date.fromisoformat(str(value)[:10])
        if name in BOOL_FIELDS:
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            return True if s in _TRUE else False if s in _FALSE else None
        if name in INT_FIELDS:
            m = re.search(r"\d+", str(value))
            return int(m.group()) if m else None
        if name in FLOAT_FIELDS:
            m = re.search(r"\d+(?:\.\d+)?", str(value))
            return float(m.group()) if m else None
    except (ValueError, TypeError):
        return None
    if isinstance(value, list | dict):
        return None
    return str(value)
