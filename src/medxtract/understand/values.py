"""Typed, normalised values from the text a rule found. Each returns (value, flags)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dateutil import parser as dateparser
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from medxtract.understand.lexicon import drug_names, region_names
from medxtract.understand.specs.schema import FieldSpec

# With OCR's readings of "N/A" (the slash as W, I, l or 1).
EMPTY = {"", "n/a", "na", "none", "nil", "-", "--", "n.a", "n/a.", "not applicable",
         "nwa", "nia", "nla", "n1a", "n|a"}  # fmt: skip
Normaliser = Callable[[list[str], FieldSpec, str], tuple[Any, list[str]]]

# Characters OCR confuses with digits, applied only inside number-like tokens.
_DIGIT_FIX = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"}
)


def is_empty(text: str) -> bool:
    return text.strip().strip(".:;,_").strip().lower() in EMPTY


def clean_text(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" _|:;").strip()


def _digits_fixed(token: str) -> str:
    return (
        token.translate(_DIGIT_FIX) if sum(c.isdigit() for c in token) >= len(token) / 2 else token
    )


# A count written against its unit ("10DAYS", "1cap"): a reader lost the space.
_GLUED_COUNT = re.compile(
    r"\b(\d+(?:[./]\d+)?)(?=(?:days?|weeks?|months?|hours?|hrs?|tabs?|tablets?|caps?|"
    r"capsules?|puffs?|drops?|sachets?|times)\b)", re.I)
# A stroke of a written word read as an apostrophe inside it ("MANCHES'TER"); a name's
# "O'Brien" or a possessive "St John's" keeps its own.
_STRAY_APOSTROPHE = re.compile(r"(?<=[A-Za-z]{3})['’](?=[A-Za-z]{2,})")


def to_text(lines: list[str], spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    parts = [clean_text(line) for line in lines]
    starts = {w.lower() for w in spec.item_starts}
    text = parts[0] if parts else ""
    for part in parts[1:]:
        first = part.split(" ", 1)[0]
        new_item = first[:1].isupper() and first.lower() in starts
        text += ("; " if new_item else spec.join) + part
    text = clean_text(text)
    # A lone bar between words is OCR's reading of a thin "1" ("take | tablet").
    text = re.sub(r"(?<=\s)\|(?=\s)", "1", text)
    text = _GLUED_COUNT.sub(r"\1 ", text)
    return (None, []) if is_empty(text) else (text, [])


# Names are capitalised, so a word opening with "l" and a consonant began with a capital I
# that OCR read as l ("lvanova", "lngrid").
_NAME_CAPITAL_I = re.compile(r"\bl(?=[bcdfghjkmnpqrstvwxz])")


def to_name(lines: list[str], spec: FieldSpec, order: str) -> tuple[Any, list[str]]:
    text, flags = to_text(lines, spec, order)
    return (_STRAY_APOSTROPHE.sub("", _NAME_CAPITAL_I.sub("I", text)) if text else text), flags


# "Pl" (Place) read as "PI" at the end of a street part.
_PLACE = re.compile(r"\bPI\b(?=\s*(?:,|$))")


# OCR slips in an address's numbers: a UK postcode's inward part is a digit and two
# letters ("BS8 ITH" is BS8 1TH); a house number ends in digits ("6212I" is 62121).
_UK_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ([IlO|])([A-Z]{2})\b")
_HOUSE_NUMBER = re.compile(r"^(\d{2,})[Il|]\b")
# A house number run into its street ("11295Chestnut St"): the space back.
_GLUED_STREET = re.compile(r"^(\d{1,6})(?=[A-Z][A-Za-z]{2,})")


def _address_digits(text: str) -> str:
    text = _UK_POSTCODE.sub(lambda m: f"{m[1]} {'0' if m[2] == 'O' else '1'}{m[3]}", text)
    text = _GLUED_STREET.sub(r"\1 ", _STRAY_APOSTROPHE.sub("", text))
    return _HOUSE_NUMBER.sub(lambda m: m[1] + "1", text)


def to_address(lines: list[str], spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    parts = [_address_digits(_PLACE.sub("Pl", clean_text(line))).strip(",. ") for line in lines]
    # A lone character on a line of its own is a speck OCR read, not part of an address.
    parts = [p for p in parts if len(p) > 1 and not is_empty(p)]
    # A reader that drops the space after a comma ("Ohio,43268") is given it back.
    text = ", ".join(_COMMA_RUN_ON.sub(", ", p) for p in parts)
    if not text:
        return None, []
    pieces = text.split(", ")
    # The street comes first: only the later pieces may name a state or province.
    return ", ".join(pieces[:1] + [_region_fixed(p) for p in pieces[1:]]), []


_REGION = re.compile(r"^([^\W\d_]+(?: [^\W\d_]+){0,3})(\s+[\w-]*\d[\w -]*)?$")


def _region_fixed(piece: str) -> str:
    """A state, province or nation read with a slip ("Georqia", "Téxas 75001", "Nec
    Jersey") spelled as the list spells it; anything else as it was."""
    m = _REGION.match(piece)
    if not m:
        return piece
    name, rest = m[1], m[2] or ""
    regions = region_names()
    if name.lower() in regions:
        return piece
    folded = "".join(c for c in unicodedata.normalize("NFKD", name)
                     if not unicodedata.combining(c)).lower()
    if folded in regions:
        return regions[folded] + rest
    if len(folded) < 5:
        return piece
    words = len(folded.split())
    near = sorted((Levenshtein.distance(folded, r), r) for r in regions
                  if len(r.split()) == words)
    # One slip (two in a long name), and no other name as close.
    if not near or near[0][0] > (1 if len(folded) < 9 else 2) or (
        len(near) > 1 and near[1][0] <= near[0][0]
    ):
        return piece
    return regions[near[0][1]] + rest


_COMMA_RUN_ON = re.compile(r"(?<=[A-Za-z]),(?=[A-Za-z0-9])")


_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b")


def to_date(lines: list[str], _spec: FieldSpec, order: str) -> tuple[Any, list[str]]:
    text = clean_text(" ".join(lines))
    if is_empty(text):
        return None, []
    text = re.sub(
        r"[0-9OoIl|]{1,4}(?=[/.-])|(?<=[/.-])[0-9OoIl|]{1,4}",
        lambda m: _digits_fixed(m.group()),
        text,
    )
    m = _NUMERIC_DATE.search(text)
    if not m:
        text = " ".join(slashes_back(t) for t in text.split())
        # "Oct 3 (985": a year's leading 1 read as a bracket or a bar.
        text = re.sub(r"(\b[A-Za-z]{3,9}\.? \d{1,2},? )[(|lI\[](\d{3})\b", r"\g<1>1\2", text)
        m = _NUMERIC_DATE.search(text)
    flags: list[str] = []
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        dayfirst = order == "DMY"
        if a > 12 and b <= 12:
            dayfirst = True
        elif b > 12 and a <= 12:
            dayfirst = False
        elif a != b:
            flags.append("ambiguous_date")
        text = m.group(0)
    else:
        dayfirst = order == "DMY"
    try:
        parsed = dateparser.parse(text, dayfirst=dayfirst, fuzzy=True, default=_NO_DEFAULT)
    except (ValueError, OverflowError):
        return None, ["invalid"]
    if not (1900 <= parsed.year <= 2100):
        return None, ["invalid"]
    return parsed.date().isoformat(), flags


# A written date's slashes read as "1" or lost: "2810812018", "0810/1944", "28108/2018".
_LOST_SLASHES = [re.compile(p) for p in (
    r"^(\d{2})[1/|lI](\d{2})[1/|lI](\d{4})$",
    r"^(\d{2})(\d{2})[/|](\d{4})$",
    r"^(\d{2})[/|](\d{2})(\d{4})$",
)]


def slashes_back(token: str) -> str:
    """A date token whose slashes a reader lost, with them put back where a day, a month
    and a four-digit year leave them; any other token as it was."""
    for pattern in _LOST_SLASHES:
        m = pattern.match(token)
        if m and 1 <= int(m[1]) <= 31 and 1 <= int(m[2]) <= 31 and (
            int(m[1]) <= 12 or int(m[2]) <= 12) and 1900 <= int(m[3]) <= 2100:
            return f"{m[1]}/{m[2]}/{m[3]}"
    return token


# Year 1 as the default exposes a date with no year, which we then reject.
_NO_DEFAULT = datetime(1, 1, 1)


def to_phone(lines: list[str], _spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    text = clean_text(" ".join(lines))
    if is_empty(text):
        return None, []
    m = re.search(r"\+?[\dOoIl|()\s.-]{7,}", text)
    if not m:
        return None, ["invalid"]
    digits = re.sub(r"\D", "", _digits_fixed(re.sub(r"[()\s.-]", "", m.group())))
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", []
    if 7 <= len(digits) <= 15:
        return digits, []
    return None, ["invalid"]


def to_int(lines: list[str], _spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    text = clean_text(" ".join(lines))
    if is_empty(text):
        return None, []
    ringed = {_ringed(c) for c in text} - {None}
    if len(ringed) == 1:
        return ringed.pop(), []  # "0 1 2 ③ PRN": the reader saw the ring round the answer
    ticked = _TICKED_NUMBER.findall(text)
    if len(ticked) == 1:
        return int(ticked[0]), []  # "☐ 0 ☒ 1 ☐ 2": the box ticked before its number
    tokens = re.split(r"[\s_]+", text)
    numbers = re.findall(r"\d+", " ".join(_digits_fixed(t) for t in tokens))
    if len(numbers) > 2 or (len(numbers) == 2 and numbers[1] == str(int(numbers[0]) + 1)):
        return None, ["ambiguous"]  # a printed row of choices ("0 1 2 3 PRN"), none read
    if numbers:
        if len(numbers[0]) > 3:
            return None, ["invalid"]  # "0102030405": a row of choices run together
        return int(numbers[0]), []
    if re.search(r"\b(?:no|none|nil|zero|nr)\b", text, re.I):
        return 0, []
    # A thin "1" alone on its fill-in line is often read as a letter or a bar.
    if any(t in {"l", "I", "i", "|"} for t in tokens):
        return 1, []
    return None, ["invalid"]


_TICKED_NUMBER = re.compile(r"(?:[☒☑✓✔✗✘]|\[\s*[xX✓✔]\s*\])\s*(\d{1,2})\b")


def _ringed(char: str) -> int | None:
    """The number of a circled digit glyph ("③", "❸", "➂"), else None."""
    if char.isascii() or "CIRCLED" not in unicodedata.name(char, ""):
        return None
    value = unicodedata.numeric(char, None)
    return int(value) if value is not None else None


def to_number(lines: list[str], _spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    text = clean_text(" ".join(lines))
    if is_empty(text):
        return None, []
    m = re.search(r"\d+(?:[.,]\d+)?", " ".join(_digits_fixed(t) for t in text.split()))
    if not m:
        return None, ["invalid"]
    value = float(m.group().replace(",", "."))
    return (int(value) if value.is_integer() else value), []


def to_bool(lines: list[str], _spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    text = clean_text(" ".join(lines)).lower()
    if is_empty(text):
        return None, []
    if re.search(r"\byes\b", text) and re.search(r"\bno\b", text):
        return None, ["ambiguous"]  # both printed; the mark (a circle) was not read
    word = re.sub(r"[^a-z]", "", text.split()[0]) if text.split() else ""
    if word in ("yes", "y", "true", "yea", "yas", "ves", "yes."):
        return True, []
    if word in ("no", "n", "false", "nc", "na0"):
        return False, []
    best = process.extractOne(word, ["yes", "no"], scorer=fuzz.ratio)
    if best and best[1] >= 66:
        return best[0] == "yes", ["corrected"]
    return None, ["invalid"]


def to_choice(lines: list[str], spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    text = clean_text(" ".join(lines)).upper()
    if is_empty(text):
        return None, []
    # Every choice printed side by side ("Immune  Not immune"): the mark was not read.
    if len(spec.choices) > 1 and all(c.upper() in text for c in spec.choices) and len(
        text.split()
    ) >= sum(len(c.split()) for c in spec.choices):
        return None, ["ambiguous"]
    best = process.extractOne(text, spec.choices, scorer=fuzz.ratio, processor=str.upper)
    if best and best[1] >= 75:
        return best[0], []
    return None, ["invalid"]


def to_identifier(lines: list[str], _spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    text = clean_text(" ".join(lines))
    if is_empty(text):
        return None, []
    token = max(text.split(), key=len)
    # Only an all-digit number may have its O/I/l slips fixed: "MBR-1188" keeps its letters.
    fixed = _digits_fixed(token) if re.fullmatch(r"[\dOoIl|]+", token) else token
    return fixed.upper(), []


_UNITS = r"mg|mcg|µg|ug|g|gm|gram|grams|ml|mL|l|iu|IU|units?|meq|%|mq|rng|mgs"
# Not followed by a letter (\b would never match after "%").
_STRENGTH = re.compile(
    rf"(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>{_UNITS})(?![A-Za-z])"
    r"(?P<per>\s*/\s*(?:\d+(?:\.\d+)?\s*)?(?:ml|mL|dose|actuation|spray|tab|tablet)\b)?",
    re.I,
)


def strength_text(m: re.Match[str]) -> str:
    """'100 units/ml', '250 mg/5ml': the number, the unit and any per-volume part."""
    unit = _UNIT_FIX.get(m.group("unit").lower(), m.group("unit").lower())
    per = re.sub(r"\s+", "", m.group("per") or "").lower()
    return f"{m.group('num').replace(',', '.')} {unit}{per}"
_UNIT_FIX = {"mq": "mg", "rng": "mg", "mgs": "mg", "ug": "mcg", "µg": "mcg", "meq": "mEq"}
# OCR reads a lone "1" as "|", "l" or "I"; before a unit it can only be the digit.
_ONE_BEFORE_UNIT = re.compile(rf"(?<=\s)[|lI](?=\s*(?:{_UNITS})(?![A-Za-z]))")
# ... and a lone "5" as "S" ("Sml").
_FIVE_BEFORE_UNIT = re.compile(rf"(?<=\s)S(?=\s*(?:{_UNITS})(?![A-Za-z]))")


def to_medicines(lines: list[str], _spec: FieldSpec, _order: str) -> tuple[Any, list[str]]:
    items, flags = [], []
    for line in lines:
        line = _ONE_BEFORE_UNIT.sub("1", clean_text(line))
        m = _STRENGTH.search(line)
        if not m:
            continue
        name = clean_text(re.sub(r"^[^A-Za-z]+", "", line[: m.start()])).strip(",-")
        if not name:
            continue
        fixed = correct_drug(name)
        if fixed != name:
            flags.append("corrected")
        items.append({"name": fixed, "strength": strength_text(m)})
    return (items or None), flags


def correct_drug(name: str) -> str:
    """Snap an OCR near-miss to the lexicon; a name not close to any stays as read."""
    best = process.extractOne(name, drug_names(), scorer=fuzz.ratio, processor=str.lower)
    if best and best[1] >= 84 and abs(len(best[0]) - len(name)) <= 2:
        return best[0]
    return name


NORMALISERS: dict[str, Normaliser] = {
    "text": to_text,
    "name": to_name,
    "address": to_address,
    "date": to_date,
    "phone": to_phone,
    "int": to_int,
    "number": to_number,
    "bool": to_bool,
    "choice": to_choice,
    "identifier": to_identifier,
    "medicines": to_medicines,
}


def normalise(lines: list[str], spec: FieldSpec, date_order: str) -> tuple[Any, list[str]]:
    return NORMALISERS[spec.type](lines, spec, date_order)
