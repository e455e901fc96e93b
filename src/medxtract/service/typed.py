"""Field values: normalised JSON for the record, and typed values for its columns.

A field's type comes from its document type's spec (`FieldSpec.type`), never from its name.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

EMPTY = {"", "n/a", "na", "none", "-", "null"}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


class FieldValueError(ValueError):
    """A reviewed value that does not fit its field (message names the field only)."""


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip().lower() in EMPTY)


def normalise(name: str, value: Any, field_type: str = "text", choices: tuple = ()) -> Any:
    """Strictly check and normalise one reviewed value by its spec type; raise FieldValueError."""
    if _empty(value):
        return None
    if field_type == "date":
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10]).isoformat()
            except ValueError:
                pass
        raise FieldValueError(f"'{name}' must be a date as YYYY-MM-DD.")
    if field_type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str | int) and str(value).strip().lower() in _TRUE | _FALSE:
            return str(value).strip().lower() in _TRUE
        raise FieldValueError(f"'{name}' must be true or false.")
    if field_type == "int":
        if isinstance(value, bool):
            raise FieldValueError(f"'{name}' must be a whole number.")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*\d{1,9}\s*", value):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise FieldValueError(f"'{name}' must be a whole number.")
    if field_type == "number":
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            value = float(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value) if float(value).is_integer() else float(value)
        raise FieldValueError(f"'{name}' must be a number.")
    if field_type == "choice" and choices:
        if isinstance(value, str):
            match = next((c for c in choices if c.casefold() == value.strip().casefold()), None)
            if match is not None:
                return match
        raise FieldValueError(f"'{name}' must be one of: {', '.join(choices)}.")
    if field_type == "medicines":
        return _medicines(name, value)
    if isinstance(value, str):
        return value.strip()[:5000]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise FieldValueError(f"'{name}' must be text.")


def _medicines(name: str, value: Any) -> list[dict[str, Any]]:
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


def column_value(value: Any, field_type: str = "text") -> Any:
    """Lenient conversion of a stored JSON value to its typed column (None when it won't do)."""
    if _empty(value):
        return None
    try:
        if field_type == "date":
            return date.fromisoformat(str(value)[:10])
        if field_type == "bool":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            return True if s in _TRUE else False if s in _FALSE else None
        if field_type == "int":
            m = re.search(r"\d+", str(value))
            return int(m.group()) if m else None
        if field_type == "number":
            m = _NUMBER.search(str(value))
            return float(m.group()) if m else None
    except (ValueError, TypeError):
        return None
    if isinstance(value, list | dict):
        return None
    return str(value)
