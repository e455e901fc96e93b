"""Fields by structure and meaning, for any layout.

1. Phrases and label spans (structure.py) on every page; headings open sections.
2. Each label is scored against every field's concept (labels.py), in its section.
3. Each (label, field) pair takes its best value region (right, below, above), scored by
   how well the value passes the field's type check.
4. One global assignment (Hungarian) gives each field one label, each label one field.
5. Fields a form prints without labels are read by type and position in their section.
6. Medicines are found wherever they are printed (medicines.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from medxtract.document import Document, union_bbox
from medxtract.logs import decision
from medxtract.understand import medicines as meds
from medxtract.understand.calibrate import features, reading
from medxtract.understand.labels import Vocabulary, label_tokens, stem, tokens
from medxtract.understand.marks import MarkReader
from medxtract.understand.specs.schema import DocumentSpec, FieldSpec
from medxtract.understand.structure import (
    LETTERED_QUESTION,
    ROW_SLOPE,
    Box,
    LabelSpan,
    PageModel,
    Phrase,
    Region,
    Tok,
    blocks_of,
    continued,
    find_spans,
    phrases_of,
    region_above,
    region_below,
    region_right,
    same_row,
)
from medxtract.understand.typing import ONLY_AMOUNT, TypedValue, option_words, type_value
from medxtract.understand.values import normalise
from medxtract.understand.vocab import Vocab, embedded_section, vocab_for

LABEL_MIN = 0.8  # a colon-less phrase is a label from this concept score
PAIR_MIN = 0.45  # a (label, field) pair below this is not a candidate
HEADING_MIN = 0.85  # a whole phrase is a heading from this section-vocabulary score
NEUTRAL = frozenset({"medicines", "history"})  # section kinds that scope no person's fields
POSITION = {"right": 1.0, "below": 0.93, "above": 0.78, "free": 0.72}


@dataclass
class Candidate:
    field: str
    score: float
    label_score: float
    value: TypedValue
    region: Region | None
    span: LabelSpan | None = None
    why: str = ""
    rival: float = 0.0  # the best other value's score over this one's
    slot: object = None  # what the assignment gives out once: a label, or a label's column

    def __post_init__(self) -> None:
        if self.slot is None:
            self.slot = id(self.span)


@dataclass
class Found:
    """What the finder decided for one field."""

    value: Any
    confidence: float
    page: int | None
    bbox: tuple[float, float, float, float] | None
    label_bbox: tuple[float, float, float, float] | None
    raw: str | None
    flags: list[str]
    source: str | None
    item_bboxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)  # per list item: page, boxes, confidence
    why: str = ""
    weighed: list[str] = field(default_factory=list)  # the candidates that lost, best first
    features: dict[str, float] = field(default_factory=dict)  # evidence, for calibration
    engine: str | None = None  # the OCR engine that read most of the value


class Finder:
    def __init__(
        self, spec: DocumentSpec, date_order: str = "MDY", marks: MarkReader | None = None
    ) -> None:
        self.spec = spec
        self.date_order = date_order
        self.marks = marks
        self.items: list[meds.Item] = []  # the medicines found, for directions per medicine
        self.reading: dict[str, float] = {}  # calibrate.reading of the document, per build
        self.vocab: Vocab = vocab_for(spec)
        self.fields = {n: f for n, f in spec.fields.items() if f.type != "medicines"}
        self.concepts = _concepts(spec)
        self._meanings: dict[tuple[str, ...], tuple[str | None, float]] = {}
        # Words of a field's own sections, and the word naming its type, explain
        # themselves in its labels ("Name of next of kin" is the next of kin's name).
        self.explained = {
            n: frozenset(
                w
                for kind in f.sections
                for w in self.vocab.section_words.get(kind, frozenset())
            ) | _TYPE_WORDS.get(f.type, frozenset())
            # A prescriber's labels may name the place: "Hospital address", "Surgery tel".
            | (self.vocab.prescriber_marks.words if "prescriber" in f.sections else frozenset())
            # The patient is the form's subject: "Patient weight" is the weight.
            | (self.vocab.section_words.get("patient", frozenset())
               if {"any", "none"} & set(f.sections) else frozenset())
            for n, f in self.fields.items()
        }

    # --- structure -------------------------------------------------------------------

    def label_score(self, words: tuple[str, ...], whole: bool) -> float:
        """How surely these words are a label (of a field, of no field, a name/address
        part, or, for a whole phrase, a heading)."""
        best = self._meaning(words)[1]
        best = max(best, self.vocab.other.score(words) * 0.95)
        for _join, parts in self.vocab.composites.values():
            best = max(best, max(v.score(words) for _p, v in parts))
        if whole:
            best = max(best, self._heading(words)[1])
        return best

    def _heading(self, words: tuple[str, ...]) -> tuple[str | None, float]:
        """A heading's section kind; words of the same kind explain each other
        ("Emergency contact person")."""
        best, score = None, 0.0
        # "Section 2 - Next of kin", "Part B: Insurance": the numbering is no meaning.
        meant = tuple(w for w in words if w not in _NUMBERING_WORDS and not w.isdigit()
                      and len(w) > 1)
        words = meant or words
        for kind, vocab in self.vocab.sections.items():
            s = vocab.score(words, self.vocab.kind_words.get(kind, frozenset()))
            if s > score:
                best, score = kind, s
        return best, score

    def build(self, doc: Document) -> list[PageModel]:
        models: list[PageModel] = []
        n = 0
        self._tok_page: dict[int, int] = {}
        self._models: list[PageModel] = []
        for page in doc.pages:
            phrases = _without_transmit_header(phrases_of(page), page.height)
            phrases = [q for p in phrases for q in self._split_headings(p)]
            # Column headings sit above the grid, so cutting lines at them leaves them as found.
            columns = self._column_heads(phrases)
            bottom = _grid_bottom(phrases, columns)
            phrases = self._split_at_columns(phrases, columns, bottom)
            for p in phrases:
                p.index = n
                n += 1
                self._tok_page.update((id(t), page.number) for t in p.toks)
            model = PageModel(page, phrases)
            for p in phrases:
                for start, end, words, colon in find_spans(p, self.label_score, LABEL_MIN):
                    span = LabelSpan(p, start, end, words, colon)
                    whole = start == 0 and end == len(p.toks)
                    kind, hs = self._heading(words)
                    # A heading unless a field's label says it better ("Policy Number:").
                    # "A7. Employer" is a question, "Employer" or "3. Employer" may head a part.
                    question = bool(LETTERED_QUESTION.match(p.toks[0].text))
                    # Headings are printed capitalised; "patient." under "Relationship to"
                    # is the end of a two-line label, "and spouse" a row of check boxes.
                    lower = _starts_lower(p)
                    # A part that scopes nobody's fields ties to a field when a colon
                    # says it is a label: "Medical history: asthma" ("Emergency contact:"
                    # heads the contact's part).
                    field_score = self._best_field(span)[1]
                    to_field = colon and kind in NEUTRAL and field_score >= hs
                    # Nor one a label of no field says better ("Ward/Clinic": the ward).
                    other = self.vocab.other.score(words)
                    if (whole and kind and not question and not lower and hs >= HEADING_MIN
                            and hs >= field_score and not to_field and other <= hs):
                        span.kind, span.section = "heading", kind
                        model.headings.append(span)
                    model.labels.append(span)
            self._unhead(model, phrases)
            model.columns, model.grid_bottom = columns, bottom
            # A heading ends a block: a letterhead does not run on into the part below it.
            heads = {s.phrase.index for s in model.headings}
            model.blocks = blocks_of([p for p in phrases if p.index not in heads])
            label_toks = {id(t) for s in model.labels for t in s.phrase.toks[s.start : s.end]}
            # A doctor under a label of no field ("Consultant:", "Under Dr X", "GP") is not
            # the prescriber: that block may be the patient's.
            others = {s.phrase.index for s in model.labels
                      if s.start == 0 and self._best_field(s)[0] is None
                      and self.vocab.other.score(s.words) >= LABEL_MIN}
            others |= {p.index for p in phrases if len(p.toks) <= 2
                       and self.vocab.other.score(label_tokens(p.text())) >= 0.6}
            # ... nor is the doctor printed under such a caption ("UNDER DR" over "Dr X").
            over = [s.phrase for s in model.labels if s.phrase.index in others
                    and s.start == 0 and not s.colon and len(s.phrase.toks) <= 3]
            others |= {q.index for q in phrases for c in over if _caption_over(c, q)}
            model.prescriber_blocks = {
                model.blocks[p.index] for p in phrases
                if p.index in model.blocks and p.index not in others
                and self._marks_prescriber(p, label_toks)
            }
            models.append(model)
        self._models = models
        # How the document as a whole was read: evidence for every field's confidence.
        self.reading = reading(models)
        return models

    def _unhead(self, model: PageModel, phrases: list[Phrase]) -> None:
        """Headings that are labels after all: a caption in a row of captions ("Contact
        name | Employer", values under each) labels its cell, and an answer printed to
        circle ("Self  Spouse  Parent") heads nothing."""
        captions = [s for s in model.labels if s.kind != "heading" and not s.colon
                    and s.start == 0 and s.end == len(s.phrase.toks)
                    and self._best_field(s)[1] >= LABEL_MIN
                    and self._heading(s.words)[1] < HEADING_MIN]
        for h in [h for h in model.headings if _an_option(h, phrases) or any(
                same_row(h.box, c.box, ROW_SLOPE) for c in captions)]:
            h.kind, h.section = "label", None
            model.headings.remove(h)

    def _split_headings(self, p: Phrase) -> list[Phrase]:
        """Two column headings a reader ran into one line ("Patient information — emergency
        contact person") are two phrases again; a heading loses its rules and dashes."""
        toks = [t for t in p.toks if t.text not in _SEPARATORS]
        if len(toks) < 2 or len(toks) > 10:
            return [p]
        words = label_tokens(" ".join(t.text for t in toks))
        whole, whole_score = self._heading(words)
        labelled = any(t.text.endswith(":") for t in toks) or self._meaning(words)[1] >= LABEL_MIN
        for k in range(2, len(toks) - 1) if not labelled else ():  # two words a side
            left = self._heading(label_tokens(" ".join(t.text for t in toks[:k])))
            right = self._heading(label_tokens(" ".join(t.text for t in toks[k:])))
            if (left[0] and right[0] and left[0] != right[0] and whole_score < HEADING_MIN
                    and min(left[1], right[1]) >= HEADING_MIN):
                return [Phrase(toks[:k], p.index, p.page, p.word_gap),
                        Phrase(toks[k:], p.index, p.page, p.word_gap)]
        if whole and whole_score >= HEADING_MIN and len(toks) < len(p.toks):
            return [Phrase(toks, p.index, p.page, p.word_gap)]  # "— Emergency contact"
        return [p]

    def _column_heads(self, phrases: list[Phrase]) -> list[tuple[float, float, str]]:
        """Headings side by side on one row (x0, y, section): the columns of a grid."""
        heads = []
        for p in phrases:
            kind, score = self._heading(label_tokens(p.text()))
            if kind and score >= HEADING_MIN:
                heads.append((p, kind))
        for p, _kind in heads:
            row = [(q, k) for q, k in heads if _overlap_rows(q.box, p.box)]
            if len(row) >= 2 and len({k for _q, k in row}) >= 2:
                return sorted((q.box[0], q.box[3], k) for q, k in row)
        return []

    def _split_at_columns(
        self, phrases: list[Phrase], columns: list[tuple[float, float, str]], bottom: float
    ) -> list[Phrase]:
        """A text line that runs across a grid's columns is cut where each column starts."""
        if len(columns) < 2:
            return phrases
        starts = [x0 for x0, _y, _k in columns[1:]]
        top = columns[0][1]
        out: list[Phrase] = []
        for p in phrases:
            if p.box[1] < top or p.box[1] > bottom:
                out.append(p)
                continue
            cur: list[Tok] = []
            for t in p.toks:
                if cur and any(cur[-1].box[2] < x - 0.2 * p.h <= t.box[0] for x in starts):
                    out.append(Phrase(cur, 0, p.page, p.word_gap))
                    cur = []
                cur.append(t)
            out.append(Phrase(cur, 0, p.page, p.word_gap))
        return out

    def _marks_prescriber(self, p: Phrase, label_toks: set[int]) -> bool:
        """A doctor's title or a clinic's name, not an address line ("9 Ash Dr")."""
        free = [t for t in p.toks if id(t) not in label_toks]
        if not free or any(ch.isdigit() for t in free for ch in t.text):
            return False
        raw = {t.text.strip(".,:;()") for t in free}
        if raw & self.vocab.prescriber_titles:
            return True
        return self.vocab.prescriber_marks.score(tokens(" ".join(t.text for t in free))) > 0.5

    def block_section(self, model: PageModel, p: Phrase) -> str | None:
        block = model.blocks.get(p.index)
        if block not in model.prescriber_blocks:
            return None
        # A letterhead names its doctor once, unlabelled: a "Name:" line run on under it
        # (no gap before the patient's line) names someone else.
        first = next((s for s in model.labels if s.phrase is p and s.start == 0), None)
        if first is not None and first.colon and not embedded_section(first.words, self.vocab):
            field = self._best_field(first)[0]
            titled = (q for q in model.phrases if q.index < p.index
                      and model.blocks.get(q.index) == block)
            if field is not None and self.fields[field].type == "name" and any(
                {t.text.strip(".,;:") for t in q.toks} & self.vocab.prescriber_titles
                for q in titled
            ):
                return None
        return "prescriber"

    def section_of(self, models: list[PageModel], mi: int, box: tuple) -> str | None:
        """The heading over a box: the nearest above it in its column; else the last heading
        of the previous page (a section runs over a page break); else the letterhead."""
        model = models[mi]
        h = model.line_h
        above = [
            s for s in model.headings if s.box[3] <= box[1] + 0.5 * h and s.box[0] <= box[2]
        ]
        if above:
            low = max(s.box[1] for s in above)
            row = [s for s in above if s.box[1] >= low - 0.6 * h]
            left = [s for s in row if s.box[0] <= box[0] + 3 * h]
            if not left and len(row) > 1:
                return None  # the label column of a grid: its values' columns decide
            return max(left or row, key=lambda s: s.box[0]).section
        for prev in range(mi - 1, -1, -1):
            if models[prev].headings:
                return max(models[prev].headings, key=lambda s: s.box[1]).section
        return None

    def _best_field(self, span: LabelSpan) -> tuple[str | None, float]:
        return self._meaning(span.words)

    def _meaning(self, words: tuple[str, ...]) -> tuple[str | None, float]:
        """The field these label words say best, and how surely. Words that join two
        fields' labels ("Medication & allergy history") head a part; they label neither."""
        if "and" in words[1:-1]:
            i = words.index("and")
            left, right = self._one_meaning(words[:i]), self._one_meaning(words[i + 1 :])
            if left[0] and right[0] and left[0] != right[0] and min(left[1], right[1]) >= LABEL_MIN:
                return None, 0.0
        return self._one_meaning(words)

    def _one_meaning(self, words: tuple[str, ...]) -> tuple[str | None, float]:
        if words not in self._meanings:
            self._meanings[words] = self._say(words)
        return self._meanings[words]

    def _say(self, words: tuple[str, ...]) -> tuple[str | None, float]:
        best, score = None, 0.0
        for n, c in self.concepts.items():
            s = c.score(words, self.explained[n])
            if s > score:
                best, score = n, s
        whole = self._whole_composite(words) if score < 1.0 else None
        if whole is not None:  # "Street, city, ZIP" says "address"
            name, s = self._one_meaning(whole)
            if s * 0.95 > score:
                best, score = name, s * 0.95
        return best, score

    def _whole_composite(self, words: tuple[str, ...]) -> tuple[str, ...] | None:
        """A label that lists the parts of one value, its first part among them ("Street,
        city, ZIP", "Surname, first name"), as the words naming the value ("address",
        "name"), with its other words kept. Parts alone ("City, state, ZIP") stay parts."""
        for kind, (_join, parts) in self.vocab.composites.items():
            seen: list[str] = []
            rest: list[str] = []
            i = 0
            while i < len(words):
                # The surest window of one to three words; the longer on a tie.
                sc, n, part = max((v.score(words[i : i + n]), n, p)
                                  for n in (1, 2, 3) if i + n <= len(words) for p, v in parts)
                if sc >= 0.85:
                    seen.append(part)
                    i += n
                    continue
                if words[i] not in ("and", "or"):
                    rest.append(words[i])
                i += 1
            if len(set(seen)) >= 2 and parts[0][0] in seen:
                return (*rest, kind)
        return None

    # --- candidates --------------------------------------------------------------------

    def _compat(self, fspec: FieldSpec, section: str | None) -> float:
        if "any" in fspec.sections:
            return 1.0
        if section in NEUTRAL and section not in fspec.sections:
            section = None  # an "Rx" or "Medical history" heading says nothing of whose name
        if section is None:
            return 1.0 if "none" in fspec.sections else 0.55
        return 1.0 if section in fspec.sections else 0.0

    def _typed(self, name: str, region: Region, span: LabelSpan | None = None) -> TypedValue:
        if self.fields[name].type in ("bool", "choice") and region.toks and all(
            t.check is not None for t in region.toks
        ):
            region = self._headed_boxes(region)
        choose = None
        if self.marks is not None and region.lines and region.lines[0]:
            marks, page = self.marks, self._page_of(region.lines[0][0])
            if page is not None:
                def choose(options: list) -> Any:
                    return marks.choose(page, options)
        return type_value(self.fields[name], region, self._order(span), choose)

    def _ticked_column(
        self, model: PageModel, span: LabelSpan, name: str, s: float
    ) -> Candidate | None:
        """A row of a tick table: drawn boxes with no text, under column heads that name
        the options ("Immune | Not immune"); the cell with the most ink is the answer."""
        fspec = self.fields[name]
        choices = option_words(fspec)
        h = span.phrase.h
        above = sorted((p for p in model.phrases if p.box[3] <= span.box[1] + 0.2 * h
                        and span.box[1] - p.box[3] < 12 * h and p.box[0] > span.box[2]),
                       key=lambda p: -p.box[3])
        for head in above:
            row = [p for p in above if same_row(p.box, head.box)]
            heads = [p for p in row if _as_choice(_head_text(p), choices)]
            if len(heads) >= 2:
                break
        else:
            return None
        along = [q for q in model.phrases
                 if q is not span.phrase and q.box[0] > span.box[2] and same_row(q.box, span.box)]
        if any(t.check is None and not _LONE_MARK.match(t.text) for q in along for t in q.toks):
            return None  # text along the row: printed options, not a tick table's boxes
        boxes = [((p.box[0] + p.box[2]) / 2 - 1.5 * h, span.box[1] - 0.3 * h,
                  (p.box[0] + p.box[2]) / 2 + 1.5 * h, span.box[3] + 0.3 * h) for p in heads]
        # A cross or tick read as text ("X") under one head answers without the image.
        written = {k for k, b in enumerate(boxes) for q in along for t in q.toks
                   if _LONE_MARK.match(t.text) and b[0] <= (t.box[0] + t.box[2]) / 2 <= b[2]}
        if self.marks is None:
            if len(written) != 1:
                return None
            k = written.pop()
        elif (fills := self.marks.box_fills(model.page.number, boxes, h)) is not None:
            ranked = sorted(fills, reverse=True)  # a drawn box in every cell: its fill decides
            if ranked[0] < 0.5 or ranked[0] - ranked[1] < 0.3:
                return None  # no box clearly marked
            k = fills.index(ranked[0])
        else:
            inks = self.marks.ink_in(model.page.number, boxes) or []
            ranked = sorted(inks, reverse=True)
            if not inks or ranked[0] < 0.03 or ranked[0] < 1.5 * ranked[1]:
                return None  # no cell clearly marked
            k = inks.index(ranked[0])
        chosen = heads[k]
        value, flags = normalise([_as_choice(_head_text(chosen), choices) or chosen.text()], fspec,
                                 self._order(span))
        if value is None:
            return None
        tv = TypedValue(value, flags, 0.9)
        # The value's region is the ticked cell on this row (its own token: the head it
        # borrows its words from answers every row).
        cell = Tok(chosen.text(), chosen.toks[0].words, boxes[k], chosen.toks[0].conf, True)
        return Candidate(name, s * POSITION["right"] * 0.9, s, tv, Region([[cell]], "right"),
                         span, f"label '{span.text}' ticked in a table column",
                         slot=(id(span), "ticks"))

    def _headed_boxes(self, region: Region) -> Region:
        """Check boxes in a table whose column heads name the options ("Immune | Not
        immune" over a row of boxes): each box followed by its column's head."""
        page = self._page_of(region.toks[0])
        phrases = [p for m in self._models if m.page.number == page for p in m.phrases]
        toks: list[Tok] = []
        for box in region.toks:
            cx = (box.box[0] + box.box[2]) / 2
            heads = [p for p in phrases if p.box[3] <= box.box[1] and p.box[0] - box.h <= cx
                     <= p.box[2] + box.h and all(t.check is None for t in p.toks)]
            if not heads:
                return region
            toks += [box, *max(heads, key=lambda p: p.box[3]).toks]
        return Region([toks], region.where)

    def _page_of(self, tok: Tok) -> int | None:
        return self._tok_page.get(id(tok))

    def _order(self, span: LabelSpan | None) -> str:
        """A label that prints its date format ("Date of birth (dd/mm/yy)") decides it."""
        text = span.phrase.text().lower() if span is not None else ""
        if re.search(r"\bdd\W{0,3}mm\b", text):
            return "DMY"
        if re.search(r"\bmm\W{0,3}dd\b", text):
            return "MDY"
        return self.date_order

    def candidates(self, models: list[PageModel]) -> tuple[list[Candidate], set[int]]:
        """Every (label, field) pair worth weighing; and the tokens other labels own."""
        cands: list[Candidate] = []
        claimed: set[int] = set()
        for mi, model in enumerate(models):
            # Values stop at labels the vocabulary knows; an unknown "Librax:" inside a block
            # of directions is text.
            starts = self._label_starts(model)
            ends: dict[int, list[int]] = {}
            for lab in model.labels:
                ends.setdefault(lab.phrase.index, []).append(lab.start)
            # Lines printed just over a colon-less caption are its values ("Ann Lee" over
            # "Patient name"); another caption's "below" should not take them.
            over_captions = {
                id(x): {q.index for q in self._above_phrases(model, x, starts)}
                for x in model.labels
                if not x.colon and x.kind != "heading" and x.end == len(x.phrase.toks)
            }
            for span in model.labels:
                claimed.update(id(t) for t in span.phrase.toks[span.start : span.end])
                heading_section = self.block_section(model, span.phrase) or self.section_of(
                    models, mi, span.box
                )
                own = embedded_section(span.words, self.vocab)
                right = region_right(model, span, ends)
                # A row of a grid whose columns are headed by sections ("Patient" | "Emergency
                # contact"): each cell is a value of its column's section.
                grid = self._row_cells(model, span, ends) if own is None else []
                other = self.vocab.other.score(span.words)
                # A heading's value is beside it; text far along its row is the next
                # column's, and the heading may then be a label over its value.
                far = bool(right.lines) and right.box[0] - span.box[2] >= 6 * span.phrase.h
                best_field = 0.0
                alt = span.all_words
                for name, concept in self.concepts.items():
                    fspec = self.fields[name]
                    s = concept.score(span.words, self.explained[name])
                    if alt != span.words:
                        s = max(s, concept.score(alt, self.explained[name]))
                    if other > s:
                        continue  # "Consultant" is a label of no field, not "consultant name"
                    # A label the field lists word for word ("Member ID") names its own
                    # section, whatever a word of it would say elsewhere ("member").
                    mine = own if own is None or s < 1.0 or own in fspec.sections else None
                    # The patient is every form's subject: "Member ID" under an insurance
                    # heading is the insured member's, the heading's field.
                    if mine == "patient" and heading_section in fspec.sections:
                        mine = None
                    s *= self._compat(fspec, mine or heading_section)
                    if s < PAIR_MIN:
                        continue
                    best_field = max(best_field, s)
                    regions = [continued(model, right, starts, fspec.max_lines, span.box[2])]
                    if span.kind != "heading" or not right.lines or far:
                        # "Directions:" alone on its line may stand well above its text.
                        gap = 3.5 if span.colon and not right.lines else 3.0
                        below = region_below(model, span, starts, fspec.max_lines, gap)
                        regions.append(below)
                        if not right.lines and not span.colon:
                            regions.append(region_above(model, span, starts))
                    best: Candidate | None = None
                    for region in regions:
                        region = _drop_label_note(region)
                        if not region.lines:
                            continue
                        if grid and region.where == "right":
                            continue  # a grid row's values are weighed per column below
                        tv = self._typed(name, region, span)
                        if tv.value is None and "invalid" in tv.flags:
                            continue  # not a value of this type: leave it to others
                        if tv.value is not None and tv.plausibility <= 0.1:
                            continue  # "09/13/2025 Rebetol" is nobody's name: leave it
                        if fspec.type == "text" and self._a_label(region):
                            continue  # the next column's head ("Quantity to dispense")
                        sc = s * POSITION[region.where] * tv.plausibility
                        if region.where == "below" and any(
                            ids & {q.index for q in model.phrases if q.toks[0] is region.toks[0]}
                            for key, ids in over_captions.items() if key != id(span)
                        ):
                            sc *= 0.5  # that line is another caption's value
                        if region.where == "right":
                            # A value far along the row may be the next column's.
                            gap = region.box[0] - span.box[2]
                            sc *= 1.0 if gap < 6 * span.phrase.h else 0.85
                        if best is None or sc > best.score:
                            best = Candidate(name, sc, s, tv, region, span,
                                             f"label '{span.text}' {region.where}")
                    if fspec.type in ("bool", "choice") and (best is None
                                                              or best.value.value is None):
                        # No answer read by the label (or only the empty box of a pair):
                        # the page's ink under the option heads may show the tick.
                        best = self._ticked_column(model, span, name, s) or best
                    if best is None and fspec.type == "int" and _says_none(span):
                        # "No refills", "No repeats": the label is the answer.
                        cell = Region([list(span.phrase.toks[span.start : span.end])], "right")
                        best = Candidate(name, s * POSITION["right"] * 0.9, s,
                                         TypedValue(0, [], 0.9), cell, span,
                                         f"label '{span.text}' says none")
                    if best is None:
                        # The label is there with nothing by it: a blank on the form.
                        best = Candidate(name, 0.35 * s, s, TypedValue(None, [], 0.0), None, span,
                                         f"label '{span.text}' blank")
                    cands.append(best)
                for name, concept in self.concepts.items() if grid else ():
                    cands += self._grid_cells(name, concept, span, grid, models, mi)
                if other > max(best_field, 0.0) and other >= 0.9:
                    # A label of no field: its value is nobody's.
                    region = right if right.lines else region_below(model, span, starts, 1)
                    if right.lines or span.colon:
                        claimed.update(region.key())
            cands += self._composites(models, mi, starts, ends)
        return cands, claimed

    def _above_phrases(self, model: PageModel, span: LabelSpan, starts: set[int]) -> list:
        region = region_above(model, span, starts)
        if not region.lines:
            return []
        first = region.lines[0][0]
        return [q for q in model.phrases if q.toks and q.toks[0] is first]

    def _row_cells(
        self, model: PageModel, span: LabelSpan, ends: dict[int, list[int]]
    ) -> list[tuple[Phrase, str]]:
        """The cells along a label's row that sit under column headings of different
        sections; empty unless the label heads a row of such a grid."""
        columns = model.columns
        if (len(columns) < 2 or span.start != 0 or span.box[1] < columns[0][1]
                or span.box[1] > model.grid_bottom):
            return []
        h = span.phrase.h
        cells = []
        last = span.box  # each cell is matched to the one before it: rows slope on a skewed page
        for q in sorted(model.phrases, key=lambda q: q.box[0]):
            if q is span.phrase or q.box[0] < span.box[2] or not _overlap_rows(q.box, last):
                continue
            last = q.box
            if q.index in ends and min(ends[q.index]) == 0:
                continue  # another label
            under = [sec for x0, _y, sec in columns if x0 <= q.box[0] + 3 * h]
            if under:
                cells.append((q, under[-1]))
        return cells if len({sec for _q, sec in cells}) >= 2 or (
            cells and cells[0][1] != self.section_of([model], 0, span.box)) else []

    def _grid_cells(
        self, name: str, concept: Vocabulary, span: LabelSpan, cells: list[tuple[Phrase, str]],
        models: list[PageModel], mi: int,
    ) -> list[Candidate]:
        fspec = self.fields[name]
        s = concept.score(span.words, self.explained[name])
        if fspec.type in ("bool", "choice") and len(cells) > 1:
            # Options printed along the row ("[ ] Immune  [ ] Not immune") run across the
            # grid's columns: one answer for the whole row, not one per column.
            row_text = " ".join(q.text() for q, _sec in cells).lower()
            if sum(bool(re.search(rf"\b{re.escape(o)}\b", row_text))
                   for o in option_words(fspec)) >= 2:
                toks = [t for q, _sec in sorted(cells, key=lambda c: c[0].box[0]) for t in q.toks]
                cells = [(Phrase(toks, cells[0][0].index, cells[0][0].page), cells[0][1])]
        out = []
        for q, section in cells:
            sc = s * self._compat(fspec, section)
            if sc < PAIR_MIN:
                continue
            model = models[mi]
            starts = {x.phrase.index for x in model.labels if x.start == 0}
            region = continued(model, Region([q.toks], "right"), starts, fspec.max_lines,
                               q.box[0] - 1)
            tv = self._typed(name, region, span)
            if tv.value is None and "invalid" in tv.flags:
                continue
            out.append(Candidate(name, sc * tv.plausibility, sc, tv, region, span,
                                 f"label '{span.text}' in the {section} column",
                                 slot=(id(span), q.index)))
        return out

    def _composites(
        self, models: list[PageModel], mi: int, starts: set[int], ends: dict[int, list[int]]
    ) -> list[Candidate]:
        """A name or address the form splits over labelled boxes (given/family name; street,
        city, state, postal code), put back together as one candidate."""
        model = models[mi]
        h = model.line_h
        out: list[Candidate] = []
        for kind, (join, parts) in self.vocab.composites.items():
            names = [n for n, f in self.fields.items() if f.type == kind]
            if not names:
                continue
            order = [p for p, _ in parts]
            hits: list[tuple[str, LabelSpan, Region, str | None]] = []
            for span in model.labels:
                part, sc = max(((p, v.score(span.words)) for p, v in parts), key=lambda t: t[1])
                if sc < 0.85:
                    continue
                region = region_right(model, span, ends)
                if not region.lines:
                    region = region_below(model, span, starts, 1)
                if not region.lines:
                    continue
                section = embedded_section(span.words, self.vocab) or self.section_of(
                    models, mi, span.box
                )
                hits.append((part, span, region, section))
            hits.sort(key=lambda t: (t[1].box[1], t[1].box[0]))
            groups: list[list[tuple[str, LabelSpan, Region, str | None]]] = []
            for hit in hits:
                g = groups[-1] if groups else None
                if (
                    g is not None
                    and hit[3] == g[-1][3]
                    and hit[1].box[1] - g[-1][1].box[3] < 6 * h
                    and hit[0] not in {x[0] for x in g}
                ):
                    g.append(hit)
                else:
                    groups.append([hit])
            for g in groups:
                if len(g) < 2:
                    continue
                g.sort(key=lambda t: order.index(t[0]))
                if join == " ":
                    region = Region([[t for x in g for t in x[2].toks]], "right")
                else:
                    region = Region([x[2].toks for x in g], "right")
                for name in names:
                    compat = self._compat(self.fields[name], g[0][3])
                    if compat == 0.0:
                        continue
                    tv = self._typed(name, region)
                    if tv.value is None:
                        continue
                    score = (1.0 + 0.01 * len(g)) * compat * tv.plausibility
                    out.append(Candidate(name, score, compat, tv, region, g[0][1],
                                         f"{kind} put together from {len(g)} labelled parts"))
        return out

    # --- assignment --------------------------------------------------------------------

    def assign(self, cands: list[Candidate]) -> dict[str, Candidate]:
        names = sorted({c.field for c in cands})
        # Slots in reading order (not by memory address): ties then go the same way on
        # every run, whatever was read before.
        where: dict[object, tuple] = {}
        for c in cands:
            if c.slot not in where:
                box = c.span.box if c.span is not None else (0.0, 0.0, 0.0, 0.0)
                page = self._tok_page.get(id(c.span.phrase.toks[0]), 0) if c.span else 0
                extra = str(c.slot[1]) if isinstance(c.slot, tuple) else ""
                where[c.slot] = (page, round(box[1], 1), round(box[0], 1), extra)
        spans = sorted(where, key=lambda s: where[s])
        if not names or not spans:
            return {}
        fi = {n: i for i, n in enumerate(names)}
        si = {s: i for i, s in enumerate(spans)}
        score = np.zeros((len(names), len(spans)))
        table: dict[tuple[int, int], Candidate] = {}
        for c in cands:
            i, j = fi[c.field], si[c.slot]
            if c.score > score[i, j]:
                score[i, j] = c.score
                table[(i, j)] = c
        # Imported here: scipy is heavy, and a worker that never finds fields need not pay.
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(-score)
        chosen = [table[(i, j)] for i, j in zip(rows, cols, strict=True) if (i, j) in table]
        chosen.sort(key=lambda c: -c.score)
        out: dict[str, Candidate] = {}
        used: set[int] = set()
        for c in chosen:
            key = c.region.key() if c.region else frozenset()
            if key & used:
                continue  # another label's value: this pair loses
            used |= key
            out[c.field] = c
        # Competition: a close second with another value makes the winner less sure.
        for name, c in out.items():
            rivals = [
                d.score for d in cands
                if d.field == name and d is not c and d.value.value not in (None, c.value.value)
            ]
            if rivals:
                c.rival = min(1.0, max(rivals) / max(c.score, 1e-6))
            if rivals and max(rivals) > 0.85 * c.score:
                c.why += f"; close rival {max(rivals):.2f}"
                c.label_score *= 0.8
        return out

    # --- unlabelled values -------------------------------------------------------------

    def unlabelled(
        self, models: list[PageModel], taken: dict[str, Candidate], claimed: set[int]
    ) -> None:
        used = set(claimed)
        for c in taken.values():
            if c.region is not None:
                used |= c.region.key()
        wanted = [
            n for n, f in self.fields.items()
            if f.unlabelled and (n not in taken or taken[n].value.value is None)
        ]
        if not wanted:
            return
        segments: list[tuple[int, Phrase, list[Tok], str | None]] = []
        for mi, model in enumerate(models):
            for p in model.phrases:
                run: list[Tok] = []
                for t in [*p.toks, None]:
                    if t is not None and id(t) not in used and t.check is None:
                        run.append(t)
                        continue
                    run = _after_label(run)
                    if run:
                        box = union_bbox([x.box for x in run])
                        section = self._local_section(models, mi, box)
                        block = self.block_section(model, p)
                        segments.append((mi, p, run, block or section))
                    run = []
        proposals: list[Candidate] = []
        for name in wanted:
            fspec = self.fields[name]
            for k, (_mi, _p, run, section) in enumerate(segments):
                if section in NEUTRAL and section not in fspec.sections:
                    section = None  # under "Discharge medications": whose, the type says
                compat = 1.0 if section in fspec.sections else 0.0
                if "any" in fspec.sections:
                    compat = 0.8 if section is None else 1.0
                elif section is None and "none" in fspec.sections:
                    compat = 0.7  # under a heading we cannot read: type and position decide
                if compat == 0.0:
                    continue
                lines = [self._tight(name, run) if fspec.type in ("date", "phone") else run]
                if fspec.max_lines > 1:
                    first = self._typed(name, Region([run], "free"))
                    if fspec.type == "address" and first.plausibility < 0.8:
                        continue  # a block starts at its street line, not a clinic's name
                    lines = self._stack(segments, k, fspec)
                region = Region(lines, "free")
                tv = self._typed(name, region)
                # No label vouches for it: a lone word ("PRN", "Anika") is no one's name.
                if tv.plausibility <= (0.6 if fspec.type == "name" else 0.5):
                    continue
                hint = self._hint(fspec, region)
                sc = POSITION["free"] * compat * tv.plausibility * hint
                proposals.append(Candidate(name, sc, POSITION["free"] * compat * hint, tv, region,
                                           None, f"unlabelled in section {section}"))
        proposals.sort(key=lambda c: (-c.score, c.region.box[1] if c.region else 0))
        for c in proposals:
            if c.field in taken and taken[c.field].value.value is not None:
                continue
            key = c.region.key() if c.region else frozenset()
            if key & used:
                continue
            taken[c.field] = c
            used |= key

    def _a_label(self, region: Region) -> bool:
        """Text that reads as a label or a table's column head, not as a value."""
        words = label_tokens(" ".join(region.texts()))
        if not words or len(words) > 5:
            return False
        heads = max((v.score(words) for v in self.vocab.columns.values()), default=0.0)
        return max(heads, self.label_score(words, False)) >= 0.95

    def _tight(self, name: str, run: list[Tok]) -> list[Tok]:
        """The fewest tokens of a stray run that give the same date or phone: the rest of
        the run ("09/13/2025 | Rebetol (sachet)") is left to other fields."""
        whole = self._typed(name, Region([run], "free")).value
        if whole is None:
            return run
        for n in range(1, min(5, len(run)) + 1):
            for i in range(len(run) - n + 1):
                if self._typed(name, Region([run[i : i + n]], "free")).value == whole:
                    return run[i : i + n]
        return run

    def _hint(self, fspec: FieldSpec, region: Region) -> float:
        if not fspec.hints:
            return 1.0
        words = set(tokens(" ".join(region.texts())))
        hints = {w for h in fspec.hints for w in tokens(h)}
        return 1.25 if words & hints else 0.8

    def _stack(self, segments: list, k: int, fspec: FieldSpec) -> list[list[Tok]]:
        """A segment and the segments under it in the same column, while they stay close
        and read as more of the same value (an address stops at a phone line or at
        another "Label:" line)."""
        max_lines = fspec.max_lines
        mi, p, run, section = segments[k]
        lines = [run]
        box = union_bbox([t.box for t in run])
        h = p.h
        prev_phrase = p
        for mj, q, other, sec in segments[k + 1 :]:
            if len(lines) >= max_lines:
                break
            if mj != mi or sec != section:
                continue
            b = union_bbox([t.box for t in other])
            if same_row(b, box) or b[1] < box[1]:
                continue
            if b[1] - box[3] > 1.5 * h:
                continue
            first = union_bbox([t.box for t in lines[0]])
            # Letterhead lines are centred: their phrases share a centre, not a left edge.
            pb = prev_phrase.box
            centred = abs((q.box[0] + q.box[2]) / 2 - (pb[0] + pb[2]) / 2) < 3 * h
            if abs(b[0] - first[0]) > 4 * h and not centred:
                continue
            text = " ".join(t.text for t in other)
            if fspec.type == "address" and (_PHONE_RUN.search(text) or _LABEL_START.match(text)):
                break
            lines.append(other)
            box = b
            prev_phrase = q
        return lines

    def _local_section(self, models: list[PageModel], mi: int, box: tuple) -> str | None:
        """The section of a stray value: what the nearest label above or beside it names,
        else its heading's."""
        model = models[mi]
        h = model.line_h
        near = [
            s for s in model.labels
            if s.kind != "heading"
            and s.box[1] <= box[1] + 0.3 * h
            and box[1] - s.box[3] < 4 * h
            and s.box[0] < box[2]
        ]
        if near:
            s = max(near, key=lambda s: (s.box[1], -abs(s.box[0] - box[0])))
            own = embedded_section(s.words, self.vocab)
            if own:
                return own
        return self.section_of(models, mi, box)

    # --- the whole document ------------------------------------------------------------

    def find(self, doc: Document) -> dict[str, Found]:
        models = self.build(doc)
        cands, claimed = self.candidates(models)
        taken = self.assign(cands)
        self.unlabelled(models, taken, claimed)
        out: dict[str, Found] = {}
        pages = {id(p): m.page.number for m in models for p in m.phrases}
        weighed = Counter(c.field for c in cands)
        slot_owner: dict[object, str] = {}
        for n, won in taken.items():
            slot_owner.setdefault(won.slot, n)
        for name in self.fields:
            c = taken.get(name)
            out[name] = self._found(models, c, pages)
            self._log(name, c, out[name], weighed[name])
            # For --explain: what else was weighed for this field, and why it lost.
            losers = sorted((x for x in cands if x.field == name and x is not c),
                            key=lambda x: -x.score)[:3]
            out[name].weighed = [
                f"{x.why}: {x.score:.2f}" + (
                    f" (its value went to {slot_owner[x.slot]})"
                    if slot_owner.get(x.slot, name) != name else " (lower)")
                for x in losers
            ]
        for name, fspec in self.spec.fields.items():
            if fspec.type == "medicines":
                out[name] = meds.find_medicines(models, self, taken)
                decision("field.weighed", type=self.spec.name, field=name, method="medicine lines",
                         medicines=len(self.items), known_share=out[name].features.get(
                             "known_share", 0.0), confidence=out[name].confidence)
        if "directions" in self.spec.fields and out["directions"].value is None and self.items:
            c = self._directions_under_medicines(models)
            if c is not None:
                out["directions"] = self._found(models, c, pages)
        if "directions" in self.spec.fields:
            # Directions printed per medicine win over one labelled block when they cover
            # more than one medicine or nothing else was found.
            sig = meds.directions_from_medicines(models, self)
            items = self.items
            with_sig = sum(1 for it in items if it.sig)
            labelled = out.get("directions")
            shown = str(labelled.value) if labelled is not None and labelled.value else ""
            # ... or when they hold the labelled value and more (its wrapped line).
            more = sig is not None and bool(shown) and shown in str(sig.value) and len(
                str(sig.value)) > len(shown)
            # ... or when the labelled value is an amount: a "Dosage" column's strength.
            amount = bool(ONLY_AMOUNT.match(shown))
            if sig is not None and (with_sig >= 2 or not shown or more or amount):
                out["directions"] = sig
                decision("field.weighed", type=self.spec.name, field="directions",
                         method="sig lines per medicine", medicines=with_sig,
                         confidence=sig.confidence)
        return out

    def _log(self, name: str, c: Candidate | None, found: Found, candidates: int) -> None:
        """How a field was chosen: its method and scores, never its words (not even the
        label's: a form's wording can name the patient's condition)."""
        if c is None:
            decision("field.weighed", type=self.spec.name, field=name, method="not found",
                     candidates=candidates)
            return
        if c.region is None or found.value is None:
            method = "label, blank"
        elif c.span is None:
            method = "unlabelled"
        elif "put together" in c.why:
            method = "parts put together"
        elif isinstance(c.slot, tuple):
            method = "label, grid column"
        else:
            method = f"label {c.region.where}"
        decision("field.weighed", type=self.spec.name, field=name, method=method,
                 score=c.score, label_score=c.label_score, plausibility=c.value.plausibility,
                 rival=c.rival, candidates=candidates, confidence=found.confidence,
                 flags=found.flags)

    def _label_starts(self, model: PageModel) -> set[int]:
        """The lines a value stops at: headings, labels the vocabulary knows, and a colon
        label that is its whole line; an unknown "Librax:" inside a block of directions is
        text."""
        return {
            s.phrase.index for s in model.labels
            if s.start == 0 and (s.kind == "heading" or self.label_score(s.words, False)
                                 >= LABEL_MIN or s.colon and s.end == len(s.phrase.toks))
        }

    def _directions_under_medicines(self, models: list[PageModel]) -> Candidate | None:
        """No label said "directions", but the medicines are followed by a colon label no
        vocabulary knows ("Take as follows:", "Use:") over lines that open a sig: that
        block is the directions."""
        last = self.items[-1]
        model = next((m for m in models if m.page.number == last.page), None)
        if model is None:
            return None
        bottom = max(t.box[3] for t in last.toks)
        starts = self._label_starts(model)
        for span in sorted(model.labels, key=lambda s: s.box[1]):
            if span.box[1] < bottom or not span.colon or span.kind == "heading":
                continue
            if self._best_field(span)[1] >= LABEL_MIN or self.vocab.other.score(span.words) >= 0.9:
                return None  # the next known label: no unnamed block before it
            region = region_below(model, span, starts, self.fields["directions"].max_lines, 3.5)
            if not region.lines or not meds.opens_sig(region.lines[0], self.vocab.sig_starts,
                                                      self.items):
                continue
            tv = self._typed("directions", region, span)
            if tv.value is not None:
                return Candidate("directions", 0.5 * tv.plausibility, 0.5, tv, region, span,
                                 f"unnamed label '{span.text}' under the medicines")
        return None

    def _found(self, models: list[PageModel], c: Candidate | None, pages: dict) -> Found:
        if c is None:
            # Nothing found is not a confident blank: the form may print it where we missed it.
            return Found(None, 0.0, None, None, None, None, [], None, why="not found",
                         features=features(not_found=1))
        label_bbox = rel_box(models, c.span.phrase.page, c.span.box) if c.span else None
        page = c.span.phrase.page if c.span else None
        flagged = bool({"invalid", "corrected", "ambiguous", "ambiguous_date"} & set(c.value.flags))
        if c.region is None or not c.region.lines or c.value.value is None:
            # A blank where the label is: likely right, but a person should see it.
            conf = min(0.75, 0.8 * c.label_score)
            feats = features(blank=1, label=min(1.0, c.label_score), rival=c.rival,
                             flagged=flagged, plausibility=c.value.plausibility,
                             **self.reading)
            return Found(None, round(conf, 3), page, None, label_bbox, None, c.value.flags, None,
                         why=c.why, features=feats)
        toks = c.region.toks
        words = [w for t in toks for w in t.words]
        page = next((pages[id(p)] for m in models for p in m.phrases if toks[0] in p.toks), page)
        ocr = sum(w.confidence for w in words) / len(words)
        conf = ocr * min(1.0, c.label_score) * POSITION[c.region.where] ** 0.5
        conf *= c.value.confidence_factor
        where = c.region.where
        feats = features(
            has_value=1, ocr_mean=ocr, ocr_min=min(w.confidence for w in words),
            label=min(1.0, c.label_score), plausibility=c.value.plausibility, rival=c.rival,
            flagged=flagged, composite="put together" in c.why,
            text_layer=words[0].source != "ocr", lines=min(4, len(c.region.lines)) / 4,
            **{where: 1.0}, **self.reading,
        )
        return Found(
            c.value.value,
            round(max(0.0, min(1.0, conf)), 3),
            page,
            rel_box(models, page, c.region.box),
            label_bbox,
            "\n".join(c.region.texts()),
            c.value.flags,
            words[0].source,
            why=c.why,
            features=feats,
            engine=engine_of(words),
        )


_CONCEPTS: dict[tuple[str, int], dict[str, Vocabulary]] = {}


def _concepts(spec: DocumentSpec) -> dict[str, Vocabulary]:
    """Each field's label vocabulary, built once per loaded spec (they memoise scores)."""
    key = (spec.name, id(spec))
    if key not in _CONCEPTS:
        concepts = {
            n: Vocabulary(f.labels, loose=True, implied=_IMPLIED.get(f.type, frozenset()))
            for n, f in spec.fields.items()
            if f.type != "medicines"
        }
        vocab = vocab_for(spec)
        known = frozenset().union(vocab.other.words, *(v.words for v in concepts.values()))
        bare = frozenset().union(*vocab.section_words.values()) | {
            e[0] for v in vocab.sections.values() for e in v.entries if len(e) == 1}
        for v in concepts.values():
            v.know(known, bare)
        _CONCEPTS[key] = concepts
    return _CONCEPTS[key]


def _after_label(run: list[Tok]) -> list[Tok]:
    """A run without a "Word:" label it starts with that no field knows ("Provider: Dr Ann
    Lee"): a colon ends a label, never a stray value."""
    for i, t in enumerate(run[:3]):
        if t.text.endswith(":") and any(c.isalpha() for c in t.text):
            return run[i + 1 :]
    return run


def _drop_label_note(region: Region) -> Region:
    """A label's parenthesised note printed on the value's line ("(asthma, seizures)")."""
    if not region.lines or not region.lines[0] or not region.lines[0][0].text.startswith("("):
        return region
    first = region.lines[0]
    end = next((k for k, t in enumerate(first) if t.text.rstrip(",.:;").endswith(")")), None)
    if end is None or any(ch.isdigit() for t in first[: end + 1] for ch in t.text):
        return region  # "(756) 660-4660" is a phone, not a note
    rest = [first[end + 1 :], *region.lines[1:]]
    return Region([line for line in rest if line], region.where)


def engine_of(words: list) -> str | None:
    """The OCR engine that read most of a value's words (None for text-layer values)."""
    engines = [w.engine for w in words if getattr(w, "engine", None)]
    return max(set(engines), key=engines.count) if engines else None


def rel_box(models: list[PageModel], page: int | None, box: tuple) -> tuple | None:
    if page is None:
        return None
    model = next(m for m in models if m.page.number == page)
    w, h = max(model.page.width, 1), max(model.page.height, 1)
    return (
        round(box[0] / w, 4),
        round(box[1] / h, 4),
        round(box[2] / w, 4),
        round(box[3] / h, 4),
    )


def _overlap_rows(a: Box, b: Box) -> bool:
    """Most of the shorter box lies in the other's rows: a heading re-read by the second
    engine comes with a taller box than its neighbour's."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    return inter > 0.5 * min(a[3] - a[1], b[3] - b[1])


def _grid_bottom(phrases: list[Phrase], columns: list[tuple[float, float, str]]) -> float:
    """Where a grid of section columns ends: a line below its last text that starts under a
    later column's heading (a table further down has columns of its own)."""
    if len(columns) < 2:
        return float("inf")
    starts = [x0 for x0, _y, _k in columns[1:]]
    h = median([p.h for p in phrases]) if phrases else 20.0
    top = columns[0][1]
    return h + max(
        (p.box[3] for p in phrases
         if p.box[1] >= top and any(abs(p.box[0] - x) < 2 * h for x in starts)),
        default=top,
    )  # fmt: skip


_LONE_MARK = re.compile(r"^[xXvV✓✔×/]$")  # a tick or cross written in a table cell
_SEPARATORS = frozenset({"|", "-", "—", "–", "/", "&"})


def _says_none(span: LabelSpan) -> bool:
    """A count's label that answers it: "No refills", "No repeats" (not "No. of refills")."""
    first = span.phrase.toks[span.start].text
    return first.lower() in ("no", "none", "zero") and not span.colon and span.end > span.start + 1


def _as_choice(text: str, choices: list[str]) -> str | None:
    """The option a column head prints, allowing a reader's slip in a long word
    ("lmmune")."""
    if text in choices:
        return text
    best = process.extractOne(text, choices, scorer=fuzz.ratio) if len(text) >= 5 else None
    return best[0] if best and best[1] >= 80 else None


def _head_text(p: Phrase) -> str:
    """A column head's words, lower-case, without the specks a fax adds ("Not i immune")."""
    words = [t.text.lower().strip(" :.") for t in p.toks]
    return " ".join(w for w in words if len(w) > 1 or w.isdigit())


def _starts_lower(p: Phrase) -> bool:
    """The phrase's first word with letters starts with a lower-case letter."""
    for t in p.toks:
        letters = [c for c in t.text if c.isalpha()]
        if letters:
            return letters[0].islower()
    return False


_NUMBERING_WORDS = frozenset(stem(w) for w in ("section", "part", "step", "page", "sect"))
# The word naming a field's type, and the parts a label says its value includes
# ("Address with PIN code"), explain themselves in the field's labels.
_TYPE_WORDS = {kind: frozenset(stem(w) for w in words) for kind, words in {
    "name": ("name",),
    "address": ("address", "postcode", "zip", "pin", "code", "postal", "street", "city", "town",
                "state", "county", "country", "province", "suburb"),
    "phone": ("phone", "telephone", "tel"),
    # the event a date belongs to: "Date signed", "Date written", "Completed on"
    "date": ("date", "signed", "written", "completed", "filled", "issued", "recorded", "entry",
             "consultation", "examination", "exam", "seen", "appointment", "visit")}.items()}
# The word naming a field's type, which its label may leave out: "Born", "Expires", "Home",
# "Policy #" say "birth date", "expiry date", "home phone", "policy number".
_IMPLIED = {
    "date": frozenset({"date"}),
    "phone": frozenset({"phone", "number"}),
    "identifier": frozenset({"number"}),
}
# Ten or more digits in one phone-shaped run: no street, town or postcode has that many.
_PHONE_RUN = re.compile(r"(?<![\w-])\+?\(?\d(?:[\s().-]{0,2}\d){9,}(?![\w-])")
_LABEL_START = re.compile(r"^[A-Za-z][\w.'/ -]{0,24}:\s")
_STAMP_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_STAMP_DATE = re.compile(
    r"\b\d{1,4}[/.-](?:\d{1,2}|[A-Za-z]{3})[/.-]\d{2,4}\b|\b[A-Za-z]{3}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_TRANSMIT = re.compile(
    r"\b(from|to|page|fax|tx|rx)\b.*\d{1,2}:\d{2}|\d{1,2}:\d{2}.*\b(from|page)\b", re.I
)


def _an_option(h: LabelSpan, phrases: list[Phrase]) -> bool:
    """A short phrase in a row of short phrases, after the first ("Self  Spouse  Parent
    Other"): one of the answers printed to circle, not a part's heading; the row's first
    may be the question ("Insurance coverage  Yes  No")."""
    if len(h.phrase.toks) > 2:
        return False
    row = [p for p in phrases if p is not h.phrase and len(p.toks) <= 2
           and same_row(p.box, h.phrase.box)]
    return len(row) >= 2 and any(p.box[2] <= h.phrase.box[0] for p in row)


def _caption_over(c: Phrase, q: Phrase) -> bool:
    """Caption `c` printed just over `q`, starting where it starts."""
    h = max(c.h, q.h)  # a caption may be set smaller than its value
    return q is not c and 0 <= q.box[1] - c.box[3] < 1.2 * h and abs(q.box[0] - c.box[0]) < 1.5 * h


def _without_transmit_header(phrases: list[Phrase], height: int) -> list[Phrase]:
    """A fax machine's transmit line across the top ("FROM: ... 23/05/2025 09:58 PAGE 1/1")
    is not the form's: its date and numbers are nobody's value."""
    top = [p for p in phrases if p.box[3] < 0.06 * height]
    text = " ".join(p.text() for p in sorted(top, key=lambda p: p.box[0]))
    # Its words may be misread ("FROH:"); a time of day beside a date at the page's top
    # edge is the machine's, never a form's.
    if not top or not (_TRANSMIT.search(text) or _STAMP_TIME.search(text)
                       and _STAMP_DATE.search(text)):
        return phrases
    drop = {id(p) for p in top}
    return [p for p in phrases if id(p) not in drop]

