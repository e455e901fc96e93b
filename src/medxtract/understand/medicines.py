"""Medicines wherever they are printed: table rows, numbered lines, Rx blocks, plain lines.

A medicine is a drug name followed by a strength (a number and a unit). The name is
confirmed by the bundled lexicon; an unknown name is taken only inside a medicine context
(an Rx mark, a medicines heading or table, a numbered list). Lab values ("Hb 13 g/dL"),
vitals ("O2Sat: 87%", a label's value) and directions text are never medicines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from medxtract.document import union_bbox
from medxtract.understand.labels import label_tokens, tokens
from medxtract.understand.lexicon import by_lower
from medxtract.understand.structure import LabelSpan, PageModel, Phrase, Tok, region_right, same_row
from medxtract.understand.values import (
    _FIVE_BEFORE_UNIT,
    _ONE_BEFORE_UNIT,
    _STRENGTH,
    clean_text,
    strength_text,
)

if TYPE_CHECKING:
    from medxtract.understand.finder import Candidate, Finder, Found
    from medxtract.understand.vocab import Vocab

_RATE = re.compile(r"^\s*/\s*(?:d?l|dl|min|h|hr|hour|day|kg|m2|mmol|µl|ul)\b", re.I)
_NUMBERING = re.compile(r"^(?:\(?\d{1,2}[.)\]]|\d{1,2}[-–:]|[-•*·]|#\d+)$")


@dataclass
class Item:
    name: str
    strength: str
    toks: list[Tok]
    page: int
    known: bool
    sig: list[list[Tok]] = field(default_factory=list)
    n_name: int = 0  # how many of `toks` are the name (the rest: the strength)


def lookup(name: str) -> str | None:
    """The lexicon's spelling of a name, allowing an OCR slip; None when unknown."""
    lex = by_lower()
    low = name.lower()
    if low in lex:
        return name
    if len(low) < 5:
        return None
    best = process.extractOne(low, list(lex), scorer=fuzz.ratio)
    if best and best[1] >= 86 and abs(len(best[0]) - len(low)) <= 2:
        return lex[best[0]]
    return None


def _split_name(words: list[Tok], vocab: Vocab) -> tuple[list[Tok], bool]:
    """The drug name among the words before a strength, and whether the lexicon knows it.
    Leading numbers and forms ("1) Tab.", "2 - Syrup.") go; a release form or salt after a
    known name stays with it ("Cardizem LA", "Nalmefene Hydrochloride"); "(cap)" goes."""
    # Numbers and marks go first, so a form after them is leading too ("2 - Syrup. X").
    kept = [t for t in words if not _NUMBERING.match(t.text) and not t.text.startswith("(")
            and re.search(r"[A-Za-z]{2,}", t.text)]
    while kept and set(tokens(kept[0].text)) <= vocab.dose_forms and tokens(kept[0].text):
        kept = kept[1:]
    kept = kept[-4:]
    # Longest run ending at the strength that the lexicon knows; else the last words.
    for k in range(len(kept)):
        cand = kept[k:]
        name = clean_text(" ".join(t.text for t in cand)).strip(",-:;")
        if lookup(name):
            return cand, True
        if lookup(cand[0].text.strip(",-:;")):
            tail = [t for t in cand[1:] if set(tokens(t.text)) <= vocab.drug_suffixes]
            return cand[: 1 + len(tail)] if len(tail) == len(cand) - 1 else cand[:1], True
    while kept and set(tokens(kept[-1].text)) <= vocab.dose_forms - vocab.drug_suffixes:
        kept = kept[:-1]  # "Amoxil capsule 500 mg": the form is not the name
    return kept[-2:], False


def _medicine_in(p: Phrase, skip: set[int], vocab: Vocab) -> Item | None:
    toks = [t for t in p.toks if id(t) not in skip]
    if not toks:
        return None
    text_parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for t in toks:
        spans.append((pos, pos + len(t.text)))
        text_parts.append(t.text)
        pos += len(t.text) + 1
    text = " ".join(text_parts)
    fixed = _FIVE_BEFORE_UNIT.sub("5", _ONE_BEFORE_UNIT.sub("1", text))
    m = _STRENGTH.search(fixed)
    if not m or _RATE.match(fixed[m.end() :]):
        return None
    before = [t for t, (a, b) in zip(toks, spans, strict=True) if a < m.start() and
              b <= m.start() + 1]
    name_toks, known = _split_name(before, vocab)
    if not name_toks:
        return None
    name = clean_text(" ".join(t.text for t in name_toks)).strip(",-:;")
    if not re.search(r"[A-Za-z]{3,}", name):
        return None
    canonical = lookup(name) if known else None
    strength = strength_text(m)
    strength_toks = [t for t, (a, b) in zip(toks, spans, strict=True)
                     if a < m.end() and b > m.start()]
    return Item(canonical or name, strength, name_toks + strength_toks, p.page, known,
                n_name=len(name_toks))


# The Rx sign as printed or as OCR reads it (a lone "R" on its own line is a ℞).
_RX_MARKS = frozenset({"Rx", "℞", "R/", "Rx:", "RX", "Rx.", "R", "R:"})


def _rx_context(model: PageModel, finder: Finder) -> float:
    """Where on the page medicines start: an Rx mark or a medicines heading (y), else inf."""
    tops = [
        s.box[3] for s in model.headings if s.section == "medicines"
    ] + [p.box[1] for p in model.phrases if p.text().strip() in _RX_MARKS]
    return min(tops, default=float("inf"))


def _header_cells(q: Phrase, cols: dict) -> list[tuple[str, Phrase]]:
    """Column headings in one phrase; OCR may run two together ("Dose/Strength Instructions"),
    so the phrase is cut where each piece is a heading of its own."""
    n = len(q.toks)
    # best[i]: (words left unknown, cells) of the best cut of toks[:i] into headings. A
    # word no heading explains ("Course", a misread "Preseriber") heads a column of nobody.
    best: list[tuple[int, list[tuple[str, int, int]]] | None] = [(0, [])] + [None] * n
    for i in range(n):
        if best[i] is None:
            continue
        unknown, so_far = best[i]  # type: ignore[misc]
        steps = [("other", i + 1, unknown + 1)]
        for j in range(i + 1, min(n, i + 4) + 1):
            # A heading's note in brackets says nothing of its column: "Medicine (approved
            # name)"; an abbreviation will do ("Str.").
            words = label_tokens(" ".join(t.text for t in q.toks[i:j]), alternatives=False)
            kind = max(cols, key=lambda k: cols[k].score(words)) if words else None
            if kind and cols[kind].score(words) >= 0.85:
                steps.append((kind, j, unknown))
        for kind, j, left in steps:
            if best[j] is None or left < best[j][0]:  # type: ignore[index]
                best[j] = (left, [*so_far, (kind, i, j)])
    unknown, cut = best[n] or (n, [])
    if unknown > len(cut) - unknown:
        return []  # more words unexplained than headings: not a header
    return [(k, Phrase(q.toks[i:j], q.index, q.page, q.word_gap)) for k, i, j in cut]


def _table_items(
    model: PageModel, finder: Finder, skip: set[int], headed: dict[int, set[int]]
) -> list[Item]:
    """Rows of a medicine table: a header row naming a medicine column, then one record per
    row (a row with an empty medicine cell continues the one above). What a field's label
    in the header row ("Dosage", "Instructions") took under it is the table's own."""
    cols = finder.vocab.columns
    phrases = sorted(model.phrases, key=lambda p: (p.box[1], p.box[0]))
    for p in phrases:
        row = [q for q in phrases if same_row(q.box, p.box)]
        if len(row) < 2 or p is not min(row, key=lambda q: q.box[0]):
            continue
        # Several columns may make up the directions ("Dose | Route | Frequency | Duration").
        heads = sorted((part.box[0], kind) for q in row for kind, part in _header_cells(q, cols))
        kinds = [k for _x, k in heads]
        if kinds.count("medicine") != 1 or len(heads) < 2:
            continue
        row_skip = skip - set().union(*(headed.get(q.index, set()) for q in row))
        edges = [(i, x) for i, (x, _k) in enumerate(heads)]
        items: list[Item] = []
        h = p.h
        last_y = max(q.box[3] for q in row)
        body = [q for q in phrases if q.box[1] > last_y - 0.2 * h]
        record: dict[int, list[Tok]] = {}  # the last medicine's cells, by column
        rows: list[list[Phrase]] = []
        for q in body:
            if rows and same_row(q.box, rows[-1][0].box):
                rows[-1].append(q)
            else:
                rows.append([q])
        for r in rows:
            top = min(q.box[1] for q in r)
            if top - last_y > 3.5 * h:
                break
            # Word by word: a line reader runs neighbouring cells into one phrase.
            groups: dict[int, list[Tok]] = {}
            for q in sorted(r, key=lambda q: q.box[0]):
                for t in q.toks:
                    col = max((i for i, x in edges if x <= t.box[0] + 1.5 * h), default=0)
                    groups.setdefault(col, []).append(t)
            last_y = max(q.box[3] for q in r)
            if "medicine" not in {kinds[col] for col in groups}:
                if items:
                    # A wrapped row: each cell's words continue the same column's above.
                    for col, col_toks in groups.items():
                        record.setdefault(col, []).extend(col_toks)
                    items[-1] = _record_item(record, kinds, p, row_skip, finder.vocab) or items[-1]
                continue
            record = dict(groups)
            item = _record_item(record, kinds, p, row_skip, finder.vocab)
            if item is not None:
                items.append(item)
        if items:
            return items
    return []


def _record_item(record: dict[int, list[Tok]], kinds: list[str], head: Phrase, skip: set[int],
                 vocab: Vocab) -> Item | None:
    """The medicine of a table record (its cells by column, wrapped lines included): its
    name and strength, and its directions from the direction columns in order."""
    def cell(kind: str) -> list[Tok]:
        return [t for col in sorted(record) if kinds[col] == kind for t in record[col]]

    directions = cell("directions")
    name = cell("medicine")
    item = _medicine_in(Phrase(name, head.index, head.page), skip, vocab)
    if item is not None and cell("strength"):
        # The name carries its strength: the dose column says how much to take.
        directions = cell("strength") + directions
    if item is None:
        # The strength sits in another cell ("Inversine | 1 g | ...", a column we cannot name).
        row = name + [t for col in sorted(record) if kinds[col] != "medicine" for t in record[col]]
        item = _medicine_in(Phrase(row, head.index, head.page), skip, vocab)
    if item is None:
        return None
    item.known = True  # a medicine column says what it is
    item.sig = [directions] if directions else []
    return item


def _line_items(models: list[PageModel], finder: Finder, skip: set[int]) -> list[Item]:
    items: list[Item] = []
    used: set[int] = set()  # a strength cell is one medicine's
    for model in models:
        rx_top = _rx_context(model, finder)
        label_toks = {id(t) for s in model.labels for t in s.phrase.toks[s.start : s.end]}
        cols = finder.vocab.columns["medicine"]
        med_labels = {
            id(t) for s in model.labels if cols.score(s.words) >= 0.9
            for t in s.phrase.toks[s.start : s.end]
        }
        for p in sorted(model.phrases, key=lambda p: (p.box[1], p.box[0])):
            first = p.toks[0]
            # A label's value (vitals, "Weight: 70 kg") is not a medicine, unless the label
            # says it is ("Medication: Lisinopril 10 mg").
            if id(first) in label_toks and id(first) not in med_labels and not _NUMBERING.match(
                first.text
            ):
                continue
            item = _medicine_in(p, skip | label_toks, finder.vocab)
            if item is None:
                item = _with_next_cell(model, p, skip | label_toks, finder.vocab)
            if item is None or any(id(t) in used for t in item.toks):
                continue
            used.update(id(t) for t in item.toks)
            numbered = _numbered(p.toks) or id(first) in med_labels
            words = tokens(p.text())
            if words and words[0] in finder.vocab.sig_starts and not item.known and not numbered:
                continue  # "2 tablets 500 mg daily" is a direction, "2) Drug 500 mg" is not
            if item.known or p.box[1] >= rx_top or numbered:
                items.append(item)
    return items


def _numbered(toks: list[Tok]) -> bool:
    """A line that starts with its number: "1)", "2-", "#3", or "1 -" read as two words."""
    if _NUMBERING.match(toks[0].text):
        return True
    return toks[0].text.isdigit() and len(toks) > 1 and toks[1].text in ("-", "–", ":")


def _with_next_cell(model: PageModel, p: Phrase, skip: set[int], vocab: Vocab) -> Item | None:
    """A drug the lexicon knows whose strength is the next cell along its row ("Mellaril
    (tab) | 0.5 mg | ..." under a header the reader garbled)."""
    row = [q for q in model.phrases if q is not p and same_row(q.box, p.box)
           and 0 <= q.box[0] - p.box[2] < 12 * p.h]
    if not row:
        return None
    nxt = min(row, key=lambda q: q.box[0])
    item = _medicine_in(Phrase(p.toks + nxt.toks[:3], p.index, p.page, p.word_gap), skip, vocab)
    return item if item is not None and item.known and item.n_name <= len(p.toks) else None


def _labelled_items(models: list[PageModel], finder: Finder, skip: set[int]) -> list[Item]:
    """A drug and its strength on labelled lines of their own ("Drug name: X" then
    "Strength: 20 mg", as e-prescriptions print them)."""
    cols = finder.vocab.columns
    items: list[Item] = []
    for model in models:
        spans = sorted(model.labels, key=lambda s: (s.box[1], s.box[0]))
        for k, span in enumerate(spans):
            if cols["medicine"].score(span.words) < 0.9:
                continue
            name_toks = [t for t in _after(model, span) if id(t) not in skip]
            name = clean_text(" ".join(t.text for t in name_toks)).strip(",-:;")
            if not name or not re.search(r"[A-Za-z]{3,}", name) or _STRENGTH.search(name):
                continue
            h = span.phrase.h
            for other in spans[k + 1 : k + 4]:
                if other.box[1] - span.box[3] > 3 * h:
                    break
                if cols["strength"].score(other.words) < 0.9:
                    continue
                value = _after(model, other)
                m = _STRENGTH.search(_ONE_BEFORE_UNIT.sub("1", " ".join(t.text for t in value)))
                if m is None:
                    continue
                known = lookup(name)
                items.append(Item(known or name, strength_text(m), name_toks + value,
                                  span.phrase.page, bool(known), n_name=len(name_toks)))
                break
    return items


def _after(model: PageModel, span: LabelSpan) -> list[Tok]:
    """A label's value on its row: the rest of its phrase, else the next cell along."""
    rest = list(span.phrase.toks[span.end :])
    if rest:
        return rest
    region = region_right(model, span, {})
    return region.lines[0] if region.lines else []


def _attach_sig(models: list[PageModel], items: list[Item], finder: Finder, skip: set) -> None:
    """Lines under a medicine that read as directions ("Sig: take one...") belong to it."""
    item_toks = {id(t) for it in items for t in it.toks}
    for it in items:
        if it.sig:
            continue
        model = next(m for m in models if m.page.number == it.page)
        box = union_bbox([t.box for t in it.toks])
        h = max(1.0, box[3] - box[1])
        # Indented from the item's line, not its name: "3. Ointment. Brovana 1 %".
        x0 = min([box[0]] + [p.box[0] for p in model.phrases if it.toks[0] in p.toks])
        below = sorted(
            (p for p in model.phrases if p.box[1] > box[3] - 0.2 * h and p.box[0] > x0 - 3 * h
             and p.box[1] - box[3] < 6 * h and not same_row(p.box, box)),
            key=lambda p: p.box[1],
        )
        for p in below[:3]:
            if p.box[1] - box[3] >= 2.2 * h:
                break  # each line follows the one before it
            if any(id(t) in item_toks for t in p.toks) or any(id(t) in skip for t in p.toks):
                break
            cut = _directions_label_end(model, p, finder)
            if not it.sig and p.toks[-1].text.endswith(":") and cut in (0, len(p.toks)) and (
                _opens_sig(p.toks, finder.vocab.sig_starts)
            ):
                box = p.box  # "Take as follows:" over the sig lines: a label, not a sig
                continue
            # A sig wraps onto a line that does not open one: lowercase, or in capitals
            # under a sig in capitals ("TAKE ONE TABLET THREE / TIMES A DAY").
            wraps = p.toks[0].text[:1].islower() or (
                it.sig and _capitals(p.toks) and _capitals(it.sig[-1])
                and not _opens_sig(p.toks, finder.vocab.sig_starts)
            )
            if it.sig and not cut and wraps:
                it.sig[-1] = it.sig[-1] + p.toks  # the sig wraps ("... a day / after food")
                box = p.box
            elif cut or _opens_sig(p.toks[cut:], finder.vocab.sig_starts):
                toks = p.toks[cut:]
                if toks and tokens(toks[0].text) in (("sig",), tokens("directions")):
                    toks = toks[1:]  # "Sig one tablet...": the label without its colon
                if toks:
                    it.sig.append(toks)
                box = p.box
            else:
                break


def _capitals(toks: list[Tok]) -> bool:
    letters = "".join(ch for t in toks for ch in t.text if ch.isalpha())
    return len(letters) >= 3 and letters.isupper()


def _opens_sig(toks: list[Tok], sig_starts: frozenset[str]) -> bool:
    """A line that starts like directions: "Take...", "1/2 tab...", "Applyto" (two words
    OCR ran together)."""
    if not toks:
        return False
    first = toks[0].text.lower().strip(".,:;")
    if re.fullmatch(r"\d+(/\d+)?|½", first):
        return True
    words = tokens(" ".join(t.text for t in toks))
    if words and words[0] in sig_starts:
        return True
    return any(len(w) >= 4 and first.startswith(w) for w in sig_starts)


def _directions_label_end(model: PageModel, p: Phrase, finder: Finder) -> int:
    """Tokens a directions label takes at the start of a line ("Sig:", "Take as follows:")."""
    for s in model.labels:
        if s.phrase is p and s.start == 0:
            name, score = finder._best_field(s)
            sig_label = s.colon and s.end < len(p.toks) and s.words[0] in finder.vocab.sig_starts
            if (name == "directions" and score >= 0.8) or sig_label:
                return s.end
    return 0


def _collect(models: list[PageModel], finder: Finder, taken: dict[str, Candidate]) -> list[Item]:
    skip: set[int] = set()  # other fields' values: never a medicine, never a sig line
    own: set[int] = set()  # a labelled directions block: never a medicine, maybe sig lines
    headed: dict[int, set[int]] = {}  # a labelled block by its label's line
    for name, c in taken.items():
        if c.region is not None:
            (own if name == "directions" else skip).update(c.region.key())
            if c.span is not None:
                headed.setdefault(c.span.phrase.index, set()).update(c.region.key())
    items: list[Item] = []
    for model in models:
        items += _table_items(model, finder, skip | own, headed)
    if not items:
        items = _line_items(models, finder, skip | own)
        _attach_sig(models, items, finder, skip)
    if not items:
        items = _labelled_items(models, finder, skip | own)
    return items


def find_medicines(models: list[PageModel], finder: Finder, taken: dict) -> Found:
    from medxtract.understand.calibrate import features
    from medxtract.understand.finder import Found, engine_of, rel_box

    items = _collect(models, finder, taken)
    finder.items = items  # directions may be read from the same items
    if not items:
        return Found(None, 0.0, None, None, None, None, [], None, why="no drug+strength lines",
                     features=features(not_found=1))
    words = [w for it in items for t in it.toks for w in t.words]
    ocr = sum(w.confidence for w in words) / len(words)
    known = sum(it.known for it in items) / len(items)
    conf = ocr * (0.7 + 0.3 * known)
    page = items[0].page
    regions = [_item_region(models, it) for it in items]
    return Found(
        [{"name": it.name, "strength": it.strength} for it in items],
        round(min(1.0, conf), 3),
        page,
        rel_box(models, page, union_bbox([t.box for it in items if it.page == page
                                          for t in it.toks])),
        None,
        "\n".join(" ".join(t.text for t in it.toks) for it in items),
        [] if known == 1.0 else ["unknown_drug"],
        words[0].source,
        item_bboxes=[r["bbox"] for r in regions if r["bbox"] is not None],
        items=regions,
        engine=engine_of(words),
        why=f"{len(items)} medicine(s), {known:.0%} in the lexicon",
        features=features(has_value=1, ocr_mean=ocr, ocr_min=min(w.confidence for w in words),
                          items=min(6, len(items)) / 6, known_share=known,
                          text_layer=words[0].source != "ocr", **finder.reading),
    )


def _item_region(models: list[PageModel], it: Item) -> dict:
    """One medicine's regions on its page: the whole item, its name, its strength, and how
    sure OCR was of its words."""
    from medxtract.understand.finder import rel_box

    def box(toks: list[Tok]):
        return rel_box(models, it.page, union_bbox([t.box for t in toks])) if toks else None

    words = [w for t in it.toks for w in t.words]
    return {"page": it.page, "bbox": box(it.toks), "name_bbox": box(it.toks[: it.n_name]),
            "strength_bbox": box(it.toks[it.n_name :]),
            "confidence": round(sum(w.confidence for w in words) / max(len(words), 1), 3)}


def directions_from_medicines(models: list[PageModel], finder: Finder) -> Found | None:
    """Directions printed per medicine (sig lines, a table column), joined in order."""
    from medxtract.understand.finder import Found, rel_box

    items: list[Item] = finder.items
    parts = [" ".join(t.text for t in line) for it in items for line in it.sig]
    parts = [clean_text(p) for p in parts if clean_text(p)]
    if not parts:
        return None
    from medxtract.understand.calibrate import features

    toks = [t for it in items for line in it.sig for t in line]
    words = [w for t in toks for w in t.words]
    ocr = sum(w.confidence for w in words) / len(words)
    page = items[0].page
    return Found(
        "; ".join(parts),
        round(ocr * 0.85, 3),
        page,
        rel_box(models, page, union_bbox([t.box for t in toks])),
        None,
        "\n".join(parts),
        [],
        words[0].source,
        why="sig lines under each medicine",
        features=features(has_value=1, ocr_mean=ocr, ocr_min=min(w.confidence for w in words),
                          below=1, items=min(6, len(items)) / 6, lines=min(4, len(parts)) / 4,
                          text_layer=words[0].source != "ocr", **finder.reading),
    )


def opens_sig(toks: list[Tok], sig_starts: frozenset[str], items: list[Item]) -> bool:
    """A line that starts like directions, or with one of the medicines found ("Avandaryl:
    2 capsules every 12 hours")."""
    if _opens_sig(toks, sig_starts):
        return True
    first = toks[0].text.lower().strip(".,:;-") if toks else ""
    return bool(first) and any(it.name.lower().split()[0] == first for it in items if it.name)
