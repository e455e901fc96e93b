"""Values by type: a candidate region's value and how plausible it is for the field.

Plausibility is what lets type and position decide where labels do not: a name looks like
a person's name, a phone has a plausible digit count, a date parses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from medxtract.understand.lexicon import by_lower
from medxtract.understand.specs.schema import FieldSpec
from medxtract.understand.structure import ADDRESS_OPENERS, Region, Tok
from medxtract.understand.values import normalise, slashes_back
from medxtract.understand.vocab import drug_suffixes

_TITLES = {"dr", "mr", "mrs", "ms", "miss", "prof", "md", "m.d", "do", "np", "mbbs", "phd",
           "jr", "sr", "ii", "iii", "rn", "pa-c", "frcp", "mrcgp", "dds"}  # fmt: skip
_PLACE_WORDS = {"street", "st", "road", "rd", "ave", "avenue", "lane", "ln", "blvd", "city",
                "drive", "court", "ct", "way", "place", "pl", "suite", "apt", "box", "po",
                "states", "kingdom", "county", "highway", "hwy", "floor", "building"}  # fmt: skip
# Words of a form's titles and headings: "ELECTRONIC PRESCRIPTION" is nobody's name.
_TITLE_WORDS = {"prescription", "form", "record", "registration", "information", "details",
                "report", "summary", "certificate", "electronic", "patient", "medical", "history",
                "insurance", "emergency", "contact", "intake", "signature", "date", "page",
                "immunization", "immunisation", "allergies", "medications"}  # fmt: skip
_ORG_WORDS = {"company", "insurance", "inc", "ltd", "llc", "hospital", "clinic", "centre",
              "center", "pharmacy", "group", "health", "medical", "services", "corporation",
              "assurance", "mutual", "plc", "trust"}  # fmt: skip


_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_SHAPE = re.compile(
    rf"\b\d{{1,4}}\s?[/.\-]\s?\d{{1,2}}\s?[/.\-]\s?\d{{2,4}}\b|\b{_MONTHS}\s+\d{{1,2}}\b"
    rf"|\b\d{{1,2}}\s+{_MONTHS}|\b\d{{1,2}}\s*/\s*\d{{1,2}}\s*/\s*\d{{2,4}}",
    re.I,
)


@dataclass
class TypedValue:
    value: Any
    flags: list[str]
    plausibility: float

    @property
    def confidence_factor(self) -> float:
        if "invalid" in self.flags:
            return 0.4
        if "corrected" in self.flags:
            return 0.85
        return 1.0


_OPTION_WORDS = {"yes", "no", "immune", "not", "none", "male", "female", "other", "n/a"}


def _only_options(text: str) -> bool:
    """Printed answers and box debris only ("Not immune", "] Yes ] No", "0 Yes": a round
    box read as a letter or digit)."""
    words = {w.lower().strip(_BOX_DEBRIS) for w in text.split()} - {"", "x", "o", "0"}
    return bool(words) and words <= _OPTION_WORDS


# What a reader makes of a drawn check box: brackets, bars, glyphs.
_BOX_DEBRIS = ".,[]{}|()□☐☒☑■✓✔✗✘"
_STRAY_BOXES = frozenset("[]{}|()□☐")


def name_plausibility(text: str) -> float:
    if "@" in text or re.search(r"\d", text):
        return 0.1
    if text.strip().startswith("(") and text.strip().endswith(")"):
        return 0.1  # "(KG)", "(HOME)": a caption's note
    if not any(c.isalpha() for c in text):
        return 0.0  # "+", "(1)": no letter, no name
    if _only_options(text):
        return 0.1  # "Not immune", "] No": printed answers
    words = [w.strip(",.()[]{}|") for w in text.split()]
    titled = any(w.lower().strip(".").replace(".", "") in _TITLES for w in words if w)
    words = [w for w in words if w and w.lower().strip(".").replace(".", "") not in _TITLES]
    if not words:
        return 0.2
    lowered = {w.lower() for w in words}
    if len(words) == 1 and len(words[0]) <= 2 or "(" in text:
        return 0.15  # "B.", "(surname,": an initial or a caption's fragment
    score = {1: 0.55, 2: 1.0, 3: 1.0, 4: 0.95, 5: 0.7}.get(len(words), 0.3)
    # Label words are nobody's name ("Have you", "Surname", "Details").
    if lowered <= _NAME_LABEL_WORDS:
        return 0.05  # "Dose", "Surname": a label's words only
    score *= 0.3 ** min(2, len(lowered & _NAME_LABEL_WORDS))  # "Reg. No." twice no name
    # "Dr. Ada Lane" is a person whatever her name means; "Oak Lane" is not.
    if lowered & _PLACE_WORDS and not titled:
        score *= 0.4
    if lowered & _ORG_WORDS:
        score *= 0.5
    # With its salt or release form ("Sodium", "XR") a drug is still a drug.
    if all(w in by_lower() or w in drug_suffixes() for w in lowered):
        score *= 0.2  # "Guaifenesin", "Treprostinil Sodium": a medicine is nobody's name
    if lowered & _TITLE_WORDS:
        score *= 0.3
    capitals = sum(w[:1].isupper() for w in words) / len(words)
    if capitals < 0.5:
        score *= 0.6
    elif capitals < 1 and any(
        w[:1].islower() and len(w) > 3 and w not in _NAME_PARTICLES for w in words
    ):
        score *= 0.5  # "Registro personal": a heading's words, not a name's
    return score


ONLY_AMOUNT = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*(?:mg|mcg|g|ml|units?|%|iu|meq)\s*$", re.I)
_NAME_PARTICLES = {"van", "von", "der", "den", "del", "della", "de", "da", "di", "du", "la",
                   "le", "bin", "binti", "ibn", "al", "el", "dos", "das", "ter"}  # fmt: skip


_NAME_LABEL_WORDS = {
    "name", "surname", "forename", "first", "last", "given", "family", "middle", "full",
    "initials", "title", "have", "has", "you", "your", "the", "of", "and", "or", "is", "are",
    "do", "does", "did", "any", "please", "if", "yes", "details", "information", "list", "in",
    "to", "for", "with", "no", "number", "nr", "id", "code", "ref", "reg", "registration",
    "license", "licence", "lic", "dose", "dosage", "strength", "route", "frequency",
    "quantity", "qty", "medicine", "medication", "drug", "sig", "refills", "directions",
    "form", "intake", "record", "sheet", "questionnaire", "application", "summary",
    # A form's other captions and a record's headings: nobody's name either.
    "dob", "birth", "date", "sex", "gender", "age", "address", "phone", "tel", "signature",
    "patient", "contact", "history", "condition", "conditions", "pre-existing", "existing",
    "problems", "allergies", "allergy", "results", "result", "test", "tests", "report",
    "prn",
}  # fmt: skip
# A house number opening the text (after "House No.", "Flat"), a postal code, or a place
# word make an address.
_ADDRESS_NUMBER = re.compile(
    r"^\W*(?i:(?:" + "|".join(sorted(ADDRESS_OPENERS)) + r")\.?\s+(?:(?:no|number)\.?\s*)?#?)?"
    r"\d+[A-Za-z]?\b(?![.)])|\b\d{4,6}\b|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"
)


_LEADING_QUESTION = re.compile(
    r"^\s*(?:[A-Ea-eQq]\.?\s?\d{1,3}[.):]|\(\d{1,3}\)|\d{1,2}\))\s+[A-Za-z]"
)


# A whole date with its year: "07/27/2024", "Nov 8 2021", "8 November 2021".
_FULL_DATE = re.compile(
    rf"\b\d{{1,4}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}}\b|\b{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}\b",
    re.I,
)


def address_plausibility(text: str) -> float:
    if _LEADING_QUESTION.match(text):
        return 0.2  # "6) Street", "C6. Patient's relationship...": a question, not an answer
    has_digit = bool(re.search(r"\d", text)) and (
        bool(_ADDRESS_NUMBER.search(text))
        or bool({w.lower() for w in re.findall(r"[A-Za-z]+", text)} & _PLACE_WORDS)
    )
    words = re.findall(r"[A-Za-z]{2,}", text)
    if "@" in text:
        return 0.1
    if not has_digit and re.search(r"\b(?:Dr|MD|M\.D|Mr|Mrs|Ms|Prof)\b\.?", text.split(",")[0]):
        return 0.2  # a person's name with a title, not a street
    if _FULL_DATE.search(text) and not {w.lower() for w in words} & _PLACE_WORDS:
        return 0.2  # dates ("Nov 8 2021, 07/27/2024") are no address
    if has_digit and words:
        return 1.0
    lowered = [w.lower() for w in words]
    if set(lowered) & _ORG_WORDS:
        return 0.45  # "St. Anne's Hospital": an organisation's name, not its street
    # A place word after a name ("Mill Road"); leading "St" is a saint ("St. Anne's").
    if len(words) >= 2 and set(lowered[1:]) & _PLACE_WORDS:
        return 0.8
    return 0.45 if len(words) >= 2 else 0.2


def _checked_options(toks: list[Tok]) -> list[str] | None:
    """Options marked in a row of check boxes ("☒ Yes ☐ No" or "Yes [x] No [ ]"), or None
    when the region has no check box."""
    if not any(t.check is not None for t in toks):
        return None
    boxes_first = _boxes_first(toks)
    options: list[tuple[bool, list[str]]] = []
    current: list[str] = []
    state: bool | None = None
    for t in toks:
        # A box read as a stray bracket or bar beside boxes read as boxes: an empty box.
        check = False if t.check is None and t.text in _STRAY_BOXES else t.check
        if check is not None:
            if boxes_first:
                if state is not None:
                    options.append((state, current))
                state, current = check, []
            else:
                options.append((check, current))
                current = []
        else:
            current.append(t.text)
    if boxes_first and state is not None:
        options.append((state, current))
    return [" ".join(words) for on, words in options if on and words]


def _boxes_first(toks: list[Tok]) -> bool:
    """Does each box stand before its option? The box sits nearer its own option than the
    one before it ("Immune ☒ Not immune", its first box unread); else the first token says."""
    before, after = [], []
    for i, t in enumerate(toks):
        if t.check is None:
            continue
        if i + 1 < len(toks) and toks[i + 1].check is None:
            after.append(toks[i + 1].box[0] - t.box[2])
        if i > 0 and toks[i - 1].check is None:
            before.append(t.box[0] - toks[i - 1].box[2])
    if before and after and min(before) > 1.5 * max(after):
        return True
    if before and after and min(after) > 1.5 * max(before):
        return False
    return toks[0].check is not None


def option_words(fspec: FieldSpec) -> list[str]:
    """The answers a bool or choice field's options print, lowercased ("yes", "no")."""
    return ["yes", "no"] if fspec.type == "bool" else [c.lower() for c in fspec.choices]


def _printed_options(fspec: FieldSpec, toks: list[Tok]) -> list[list[Tok]]:
    """The answers printed side by side in a value ("Yes No", "Immune Not immune",
    "0 1 2 3 PRN"), longest choice first so "Not immune" is not read as "Immune"."""
    if fspec.type in ("bool", "choice"):
        choices = option_words(fspec)
    else:
        # A circle round a number is often read as brackets: "(1)".
        nums = [t for t in toks if re.fullmatch(r"\(?\d{1,2}\)?|prn|nr", t.text.lower())]
        return [[t] for t in nums] if len(nums) >= 3 else []
    toks = _unjoined(toks, {w for c in choices for w in c.split()})
    words = [t.text.lower().strip(".,:;") for t in toks]
    used = [False] * len(toks)
    found: list[tuple[int, list[Tok]]] = []
    for choice in sorted(choices, key=lambda c: -len(c.split())):
        parts = choice.split()
        for i in range(len(toks) - len(parts) + 1):
            if words[i : i + len(parts)] == parts and not any(used[i : i + len(parts)]):
                found.append((i, toks[i : i + len(parts)]))
                used[i : i + len(parts)] = [True] * len(parts)
    return [o for _, o in sorted(found, key=lambda t: t[0])] if len(found) >= 2 else []


def _every_box_read(fspec: FieldSpec, toks: list[Tok]) -> bool:
    """One box read per printed option, each before its option, exactly one ticked."""
    options = _printed_options(fspec, [t for t in toks if t.check is None])
    checks = [t for t in toks if t.check is not None]
    if len(options) < 2 or len(checks) != len(options) or sum(bool(t.check) for t in checks) != 1:
        return False
    return all(c.box[2] <= o[0].box[0] + 0.5 * o[0].h for c, o in zip(checks, options, strict=True))


def _unjoined(toks: list[Tok], words: set[str]) -> list[Tok]:
    """Two option words a line reader ran together over an unread box glyph
    ("ImmuneNot immune") apart again, the box shared by their letters."""
    out: list[Tok] = []
    for t in toks:
        low = t.text.lower()
        cut = next((k for k in range(2, len(low) - 1) if t.text.isalpha()
                    and low[:k] in words and low[k:] in words), None)
        if cut is None:
            out.append(t)
            continue
        x0, y0, x1, y1 = t.box
        xm = x0 + (x1 - x0) * cut / len(low)
        out += [replace(t, text=t.text[:cut], box=(x0, y0, xm, y1)),
                replace(t, text=t.text[cut:], box=(xm, y0, x1, y1))]
    return out


def _marked(
    fspec: FieldSpec,
    toks: list[Tok],
    date_order: str,
    choose: Callable[[list[list[Tok]]], Any],
) -> TypedValue | None:
    """The one printed option the page image shows ticked or circled, if any."""
    options = _printed_options(fspec, toks)
    chosen = choose(options) if options else None
    if chosen is None:
        if fspec.type != "int":
            return None
        # A ring read as brackets round one number: that number is the one circled.
        bracketed = [i for i, o in enumerate(options) if o[0].text.startswith("(")]
        if len(bracketed) != 1:
            return None
        picked = bracketed[0]
    else:
        marks = [i for i, o in enumerate(chosen) if o.marked]
        if len(marks) != 1:
            return None
        picked = marks[0]
    text = _in_sequence([" ".join(t.text for t in o) for o in options], picked)
    value, flags = normalise([text], fspec, date_order)
    return TypedValue(value, flags, 0.95) if value is not None else None


def _in_sequence(texts: list[str], picked: int) -> str:
    """A ringed number read in brackets takes its place in the row where the others count
    up in steps of one round it ("0 (4) 2 3": the ring garbled a "1"); else its own text."""
    nums = [t.strip("()") for t in texts]
    ints = {i: int(n) for i, n in enumerate(nums) if n.isdigit() and i != picked}
    starts = {n - i for i, n in ints.items()}
    garbled = texts[picked].startswith("(") and nums[picked].isdigit()
    if garbled and len(ints) >= 2 and len(starts) == 1:
        return str(picked + starts.pop())
    return nums[picked]


def type_value(
    fspec: FieldSpec,
    region: Region,
    date_order: str,
    choose: Callable[[list[list[Tok]]], Any] | None = None,
) -> TypedValue:
    """`choose` reads drawn marks (ticked boxes, circles) on a row of printed options."""
    toks = region.toks
    # OCR drops or misreads check-box glyphs (a ticked box vanishes while its empty
    # neighbour reads "□"), so on OCR'd options the drawn marks speak first.
    # Unless the reader read a box with its state before each option, one ticked: then
    # its reading stands ("[x] Immune [ ] Not immune" drawn in brackets, not squares).
    marks_first = fspec.type in ("bool", "choice") and any(
        t.words[0].source == "ocr" for t in toks
    ) and not _every_box_read(fspec, toks)
    if fspec.type in ("bool", "choice", "int") and choose is not None and marks_first:
        marked_value = _marked(fspec, toks, date_order, choose)
        if marked_value is not None:
            return marked_value
    if fspec.type in ("bool", "choice"):
        picked = _checked_options(toks)
        if picked is not None:
            if not picked:
                return TypedValue(None, [], 0.7)  # boxes, none ticked: a blank answer
            value, flags = normalise(picked[:1], fspec, date_order)
            return TypedValue(value, flags, 1.0 if value is not None else 0.2)
    if fspec.type in ("bool", "choice", "int") and choose is not None and not marks_first:
        marked_value = _marked(fspec, toks, date_order, choose)  # asked once per value
        if marked_value is not None:
            return marked_value
    texts = region.texts()
    value, flags = normalise(texts, fspec, date_order)
    text = " ".join(texts)
    if value is None:
        return TypedValue(None, flags, 0.1 if "invalid" in flags else 0.6)
    kind = fspec.type
    if kind == "name":
        p = name_plausibility(str(value))
    elif kind == "address":
        p = address_plausibility(str(value))
    elif kind == "date":
        # A date looks like one; the parser alone would read "1. Tab 50 mg" as a date.
        p = 1.0 if _DATE_SHAPE.search(text) else 0.2
        if p < 1.0 and any(slashes_back(t) != t for t in text.split()):
            p = 0.6  # a written date whose slashes the reader lost ("2810812018")
    elif kind == "identifier":
        p = 1.0 if re.search(r"\d", str(value)) else 0.15  # an ID without a digit is a word
    elif kind == "text":
        # A question or a row of printed answers is the form's, not the patient's.
        p = 0.3 if text.rstrip().endswith((":", "?")) or "?" in text else 1.0
        p = 0.1 if _only_options(text) else p
        p = 0.5 if ONLY_AMOUNT.match(text) else p  # "25 mcg": a strength cell, not words
    else:
        p = 1.0
    if "invalid" in flags:
        p *= 0.3
    elif "corrected" in flags:
        p *= 0.85
    return TypedValue(value, flags, p)
