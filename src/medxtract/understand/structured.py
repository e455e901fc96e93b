"""Structured values beside the printed text: phones, names, addresses and dates in parts.

Well-kept parsers do the work: phonenumbers (E.164 and validity), nameparser (given, family,
prefix, suffix) and usaddress (US street addresses); other addresses get a simple split.
`structure()` never raises on odd input: what cannot be told is left out or flagged.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import phonenumbers
import usaddress
from nameparser import HumanName

from medxtract.result import FieldResult
from medxtract.understand.specs import DocumentSpec

# Flags a field gets from its parts; an impossible date is also 'invalid' (so it is reviewed).
PART_FLAGS = ("impossible_date", "partial_date", "invalid_phone")

# Countries an address may name in words (the fallback parser's only knowledge of them).
COUNTRIES = {
    "usa": "US", "united states": "US", "us": "US", "india": "IN", "uk": "GB",
    "united kingdom": "GB", "england": "GB", "canada": "CA", "australia": "AU",
    "germany": "DE", "france": "FR", "ireland": "IE", "new zealand": "NZ",
}
_US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "NEW YORK", "CALIFORNIA", "TEXAS", "FLORIDA",
}
_STREET_TAGS = (
    "AddressNumber", "StreetNamePreDirectional", "StreetNamePreModifier", "StreetNamePreType",
    "StreetName", "StreetNamePostType", "StreetNamePostDirectional", "OccupancyType",
    "OccupancyIdentifier", "USPSBoxType", "USPSBoxID",
)
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
} | {"sept": 9}
_MONTH = r"([A-Za-z]{3,9})\.?"


def structure(
    value: Any, field_type: str, context: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """Parts of one value by its spec type; None for types without parts or blank values.

    context: 'region' (ISO 3166 code for phones without a country code), 'address' (the
    document's address, which names the region when it can be told), 'date_order' (MDY/DMY),
    'raw' (the printed text, for dates)."""
    ctx = context or {}
    if value is None or value == "" or isinstance(value, list | dict | bool):
        return None
    text = " ".join(str(value).split())
    if field_type == "phone":
        region = region_of(ctx.get("address")) or str(ctx.get("region") or "US")
        return phone_parts(text, region)
    if field_type == "name":
        return name_parts(text)
    if field_type == "address":
        return address_parts(text)
    if field_type == "date":
        return date_parts(str(ctx.get("raw") or text), str(ctx.get("date_order") or "MDY"))
    return None


def phone_parts(text: str, region: str = "US") -> dict[str, Any]:
    parts: dict[str, Any] = {"text": text, "e164": None, "valid": False, "extension": None}
    number = _parse_phone(text, region)
    if re.match(r"\D*00", text) and not (number and phonenumbers.is_valid_number(number)):
        # 00 is the international prefix in most of the world: 0044 ... is +44 ...
        number = _parse_phone(re.sub(r"^(\D*)00", r"\1+", text), region) or number
    if number is not None and phonenumbers.is_valid_number(number):
        # Only a valid number gets an E.164 form: phonenumbers would "fix" an invalid one.
        parts["e164"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        parts["valid"] = True
        parts["extension"] = number.extension
        parts["region"] = phonenumbers.region_code_for_number(number)
    if not parts["valid"]:
        parts["flags"] = ["invalid_phone"]
    return parts


def _parse_phone(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    possible = phonenumbers.Leniency.POSSIBLE
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=possible):
        return match.number
    try:  # the matcher skips numbers it thinks impossible; parse keeps them, to flag them
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def name_parts(text: str) -> dict[str, Any]:
    name = HumanName(text)
    given = [p for p in (name.first, *name.middle_list) if p]
    out = {
        "text": text,
        "given": given,
        "family": name.last or None,
        "prefix": [p for p in name.title_list if p],
        "suffix": [p for p in name.suffix_list if p],
    }
    return out


def address_parts(text: str) -> dict[str, Any]:
    us = _us_address(text)
    return us if us is not None else _any_address(text)


def _us_address(text: str) -> dict[str, Any] | None:
    try:
        tagged, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return None
    state = tagged.get("StateName", "").strip(" .,")
    postal = tagged.get("ZipCode", "").strip()
    is_us = state.upper() in _US_STATES or re.fullmatch(r"\d{5}(-\d{4})?", postal)
    if kind != "Street Address" or not is_us or not tagged.get("PlaceName"):
        return None
    street = " ".join(tagged[t] for t in _STREET_TAGS if t in tagged).strip(" ,")
    return _clean({
        "text": text, "street": street, "city": tagged.get("PlaceName", "").strip(" ,"),
        "state": state, "postal_code": postal, "country": "US",
    })


def _any_address(text: str) -> dict[str, Any]:
    """Comma-separated parts: street first, a country by name last, a postal code anywhere."""
    chunks = [c.strip() for c in re.split(r"[,\n]", text) if c.strip()]
    out: dict[str, Any] = {"text": text}
    if chunks and chunks[-1].lower() in COUNTRIES:
        out["country"] = COUNTRIES[chunks.pop().lower()]
    postal = re.search(r"\b(\d{5,6}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b", text)
    if postal:
        out["postal_code"] = postal.group(1)
    if chunks and re.search(r"\d", chunks[0]) and len(chunks) > 1:
        out["street"] = chunks.pop(0)
    if chunks:
        city = chunks[0].replace(out.get("postal_code", "\0"), "").strip()
        if city:
            out["city"] = city
    return out


def region_of(address: Any) -> str | None:
    """The ISO country of an address when it can be told (a US address, or a country named)."""
    if not address:
        return None
    parts = address_parts(" ".join(str(address).split()))
    return parts.get("country")


def date_parts(text: str, order: str = "MDY") -> dict[str, Any] | None:
    """An ISO date (or a partial one: YYYY-MM, YYYY) with its precision; impossible dates
    are flagged, never moved to a date that exists."""
    t = text.strip()
    if m := re.search(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b", t):
        return _full(t, int(m[1]), int(m[2]), int(m[3]))
    if m := re.search(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})\b", t):
        a, b, y = int(m[1]), int(m[2]), _year(m[3])
        month, day = (a, b) if order == "MDY" else (b, a)
        if not _exists(y, month, day) and _exists(y, day, month):
            month, day = day, month  # only the other order gives a date
        return _full(t, y, month, day)
    day_month = re.search(rf"\b(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})\b", t)
    if day_month and day_month[2].lower() in _MONTHS:
        return _full(t, int(day_month[3]), _MONTHS[day_month[2].lower()], int(day_month[1]))
    month_day = re.search(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", t)
    if month_day and month_day[1].lower() in _MONTHS:
        return _full(t, int(month_day[3]), _MONTHS[month_day[1].lower()], int(month_day[2]))
    if (m := re.search(rf"\b{_MONTH},?\s+(\d{{4}})\b", t)) and m[1].lower() in _MONTHS:
        month = _MONTHS[m[1].lower()]
        return {"text": t, "date": f"{int(m[2]):04d}-{month:02d}", "precision": "month",
                "flags": ["partial_date"]}
    if (m := re.search(r"\b(\d{1,2})[/.-](\d{4})\b", t)) and 1 <= int(m[1]) <= 12:
        return {"text": t, "date": f"{int(m[2]):04d}-{int(m[1]):02d}", "precision": "month",
                "flags": ["partial_date"]}
    if m := re.fullmatch(r"(\d{4})", t):
        return {"text": t, "date": m[1], "precision": "year", "flags": ["partial_date"]}
    return None


def _year(y: str) -> int:
    if len(y) == 4:
        return int(y)
    pivot = date.today().year % 100  # a two-digit year is in the past century or this one
    return 2000 + int(y) if int(y) <= pivot else 1900 + int(y)


def _exists(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _full(text: str, y: int, m: int, d: int) -> dict[str, Any]:
    if not _exists(y, m, d):
        return {"text": text, "date": None, "precision": "day", "flags": ["impossible_date"]}
    return {"text": text, "date": date(y, m, d).isoformat(), "precision": "day"}


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, "")}


def add_parts(
    fields: dict[str, FieldResult], spec: DocumentSpec, settings: Any
) -> dict[str, FieldResult]:
    """Fill each field's `parts` (and its part flags) after the fields are found."""
    address = next(
        (f.value for n, f in fields.items()
         if f.value and getattr(spec.fields.get(n), "type", None) == "address"),
        None,
    )
    base = {"region": getattr(settings, "phone_region", "US"), "address": address,
            "date_order": getattr(settings, "date_order", "MDY")}
    for name, f in fields.items():
        fspec = spec.fields.get(name)
        if fspec is None:
            continue
        value = f.raw if f.value is None and fspec.type == "date" else f.value
        parts = structure(value, fspec.type, {**base, "raw": f.raw})
        if parts is None:
            continue
        f.parts = parts
        new = [flag for flag in parts.get("flags", []) if flag not in f.flags]
        if "impossible_date" in new:
            new.append("invalid")
        f.flags = [*f.flags, *new]
    return fields
