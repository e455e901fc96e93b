"""The form's structure from its words: phrases, rows, label spans, headings, sections,
check boxes and value regions beside, under or over a label.

Everything here is geometry and vocabulary; nothing names a field. Boxes are pixels of the
page as read (`Page.width` x `Page.height`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from statistics import median

from medxtract.document import Page, Word, union_bbox
from medxtract.understand.labels import SOFT, STOP, label_tokens, tokens

Box = tuple[float, float, float, float]

CHECKED = frozenset("☒☑✓✔✗✘■▣◼●◉⊠x")
UNCHECKED = frozenset("☐□▢◻○◯")
# Fill-in rules and leaders; a lone dash stays (it may separate a name from its directions).
_FILL = re.compile(r"^(?:[_.…|:]+|[_.\-—–…]{2,})$")
# A box in brackets or braces; a bar beside the mark is the box's own side ("[|X]").
_BRACKET_BOX = re.compile(r"^[\[({]\s*[|lI]?\s*([xX✓✔×]?)\s*[|lI]?\s*[\])}]$")


@dataclass
class Tok:
    text: str
    words: list[Word]
    box: Box
    conf: float
    check: bool | None = None  # a check box: True ticked, False empty

    @property
    def h(self) -> float:
        return self.box[3] - self.box[1]


@dataclass
class Phrase:
    toks: list[Tok]
    index: int
    page: int
    word_gap: float = 0.0  # the page's usual gap between words of a line

    def wide_gap(self, k: int) -> bool:
        """Is the gap before token k wider than a word space (label to value)?"""
        gap = self.toks[k].box[0] - self.toks[k - 1].box[2]
        return gap > max(0.8 * self.h, 2.2 * self.word_gap)

    # Phrases are built once and never changed: their geometry is computed once.
    @cached_property
    def box(self) -> Box:
        return _union([t.box for t in self.toks])

    @cached_property
    def h(self) -> float:
        return max(1.0, median(t.h for t in self.toks if t.check is None) if any(
            t.check is None for t in self.toks) else self.toks[0].h)

    def text(self, a: int = 0, b: int | None = None) -> str:
        return " ".join(t.text for t in self.toks[a:b])


@dataclass
class LabelSpan:
    phrase: Phrase
    start: int
    end: int  # one past the last token
    words: tuple[str, ...]
    colon: bool
    kind: str = "label"  # "label" (maybe a field's), "heading"
    section: str | None = None  # kind a heading opens

    @property
    def all_words(self) -> tuple[str, ...]:
        """Its words with the parenthesised ones too ("Phone (work)")."""
        return tokens(self.text)

    @cached_property
    def box(self) -> Box:
        return _union([t.box for t in self.phrase.toks[self.start : self.end]])

    @property
    def text(self) -> str:
        return self.phrase.text(self.start, self.end)


@dataclass
class Region:
    """A value's tokens, as lines of tokens, and where it sits relative to its label."""

    lines: list[list[Tok]]
    where: str  # right, below, above, free

    @property
    def toks(self) -> list[Tok]:
        return [t for line in self.lines for t in line]

    @property
    def box(self) -> Box:
        return _union([t.box for t in self.toks])

    def texts(self) -> list[str]:
        return [" ".join(t.text for t in line) for line in self.lines]

    def key(self) -> frozenset[int]:
        return frozenset(id(t) for t in self.toks)


@dataclass
class PageModel:
    page: Page
    phrases: list[Phrase]
    labels: list[LabelSpan] = field(default_factory=list)
    headings: list[LabelSpan] = field(default_factory=list)
    blocks: dict[int, int] = field(default_factory=dict)  # phrase index -> block id
    prescriber_blocks: set[int] = field(default_factory=set)
    columns: list[tuple[float, float, str]] = field(default_factory=list)  # grid column heads
    grid_bottom: float = float("inf")  # where that grid ends

    @cached_property
    def line_h(self) -> float:
        hs = [p.h for p in self.phrases]
        return median(hs) if hs else 20.0


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _check_state(text: str) -> bool | None:
    if len(text) == 1 and text in UNCHECKED:
        return False
    if len(text) == 1 and text in CHECKED - {"x"}:
        return True
    m = _BRACKET_BOX.match(text)
    if m:
        return bool(m.group(1))
    return None


def _bracket_boxes(words: list[Word]) -> list[Word]:
    """A line reader splits "[X]" into "[", "X", "]" (and may read the cross over it once
    more): one word again, so the box and its state are seen."""
    out: list[Word] = []
    i = 0
    while i < len(words):
        texts = [x.text.strip() for x in words[i : i + 3]]
        if texts[:1] == ["["]:
            inner = texts[1:2] if len(texts) > 2 and texts[2] == "]" else []
            if inner and inner[0] in ("X", "x", "✓", "✔"):
                end, mark = i + 3, "X"
            elif len(texts) > 1 and texts[1] == "]":
                end, mark = i + 2, " "
            else:
                end = 0
            if end:
                group = words[i:end]
                out.append(group[0].model_copy(update={
                    "text": f"[{mark}]", "bbox": union_bbox([x.bbox for x in group])}))
                i = end
                if mark == "X" and i < len(words) and words[i].text.strip() in ("X", "x"):
                    i += 1  # the cross read a second time
                continue
        out.append(words[i])
        i += 1
    return out


def _clean_word(text: str) -> str:
    # Fill-in lines fused to a value ("St______", "____A") and stray bars.
    return text.strip("_|…").strip()


# An OCR reading of a drawn box: "[ ]", "{ ]", "[X]", "(J", or "[]" stuck to the option word.
_OCR_BOX = re.compile(r"^[\[{(]\s*[xX×✓✔vV1lI|]?\s*[\]})J1lI|]?$|^[\[{][\]}1lI|]?$")
_OCR_BOX_PREFIX = re.compile(r"^[\[{][\]}1lI|xX]?[\]}]?(?=[A-Za-z]{2,})")


def _drop_ocr_boxes(toks: list[Tok], read_boxes: bool) -> list[Tok]:
    """OCR reads a drawn check box as bracket-like junk and never tells its state: drop it
    (the page image shows the box and its mark, see marks.py), or, where the reader read
    other boxes on the line (`read_boxes`), keep it as an empty box."""
    out: list[Tok] = []
    skip_one = False
    for t in toks:
        if t.words[0].source != "ocr" or t.check is not None:
            out.append(t)
            continue
        if skip_one and t.text in ("1", "l", "I", "|", "]", "}", "J", ")"):
            skip_one = False
            continue
        skip_one = False
        if _OCR_BOX.match(t.text) and re.search(r"[\[\]{}]", t.text):
            skip_one = t.text in ("[", "{", "(")
            if read_boxes and not re.search(r"[xX×✓✔]", t.text):
                out.append(Tok("☐", t.words, t.box, t.conf, False))
            continue
        prefix = _OCR_BOX_PREFIX.match(t.text)
        if prefix:
            t.text = t.text[prefix.end() :]
        out.append(t)
    return out


def _merge_bracket_boxes(toks: list[Tok]) -> list[Tok]:
    """"[", "X", "]" read as separate words are one check box; a mark drawn over a ticked
    box ("[X] X Yes") is not an option word."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text in ("[", "(") and i + 1 < len(toks):
            close = "]" if t.text == "[" else ")"
            mid = toks[i + 1]
            if mid.text == close:
                out.append(Tok("☐", [t.words[0], mid.words[0]], _union([t.box, mid.box]),
                               t.conf, False))
                i += 2
                continue
            if mid.text in ("x", "X", "✓", "✔") and i + 2 < len(toks) and toks[i + 2].text == close:
                end = toks[i + 2]
                out.append(Tok("☒", [t.words[0], end.words[0]], _union([t.box, end.box]),
                               t.conf, True))
                i += 3
                if i < len(toks) and toks[i].text in ("x", "X", "✓", "✔"):
                    i += 1
                continue
        out.append(t)
        i += 1
    return _marks_over_boxes(out)


_MARK = re.compile(r"^[xX✓✔×]+$|^[\])}]$")


def _marks_over_boxes(toks: list[Tok]) -> list[Tok]:
    """A cross or tick printed over an empty box ("[ ]" then "] X X" from a text layer that
    drew the mark twice) ticks that box; the mark's pieces are no option word."""
    out: list[Tok] = []
    for t in toks:
        prev = out[-1] if out else None
        if (
            prev is not None and prev.check is not None and t.check is None
            and _MARK.match(t.text) and t.box[0] - prev.box[2] < 0.6 * max(prev.h, 1.0)
        ):
            marked = bool(re.search(r"[xX✓✔×]", t.text)) or prev.check
            out[-1] = Tok("☒" if marked else prev.text, prev.words + t.words,
                          _union([prev.box, t.box]), prev.conf, marked)
            continue
        out.append(t)
    return out


def phrases_of(page: Page) -> list[Phrase]:
    """Each line cut into phrases at wide gaps; fill-in rules dropped, fragments rejoined."""
    w, h = max(page.width, 1), max(page.height, 1)
    # Vertical rules (a table's or a box's sides): text on either side is in another cell.
    down = [(r[0] * w, r[1] * h, r[2] * w, r[3] * h) for r in page.rules
            if (r[3] - r[1]) * h > (r[2] - r[0]) * w]
    out: list[Phrase] = []
    for line in page.lines:
        toks: list[Tok] = []
        for word in _bracket_boxes(line.words):
            box = (word.bbox[0] * w, word.bbox[1] * h, word.bbox[2] * w, word.bbox[3] * h)
            state = _check_state(word.text.strip())
            text = word.text if state is not None else _clean_word(word.text)
            if word.text.strip() == "|" and toks and toks[-1].text[:1].islower() and (
                box[0] - toks[-1].box[2] < 1.5 * (box[3] - box[1])
            ):
                text = "1"  # a thin 1 in running text ("take | pill"), not a rule

            prev = toks[-1] if toks else None
            if (prev is not None and prev.text in ("[", "{") and word.text.strip() in "|lI"
                    and box[0] - prev.box[2] < box[3] - box[1]):
                # "{ |": an empty box whose side the reader took for a bar.
                toks[-1] = Tok("☐", prev.words + [word], _union([prev.box, box]), prev.conf, False)
                continue
            if not text or (state is None and _FILL.match(text)):
                if word.text.strip() == ":" and toks and not toks[-1].text.endswith(":"):
                    toks[-1].text += ":"  # OCR read "Name :" as two words
                continue
            if text != word.text and len(word.text) > 1:
                # Keep the box to the letters left once a fused fill-in rule is cut off.
                a = word.text.find(text)
                per = (box[2] - box[0]) / len(word.text)
                box = (box[0] + a * per, box[1], box[0] + (a + len(text)) * per, box[3])
            tok = Tok(text, [word], box, word.confidence, state)
            prev = toks[-1] if toks else None
            # A word split by the text layer ("Anytow" "n") rejoins when the gap is nil.
            if (
                prev is not None
                and state is None
                and prev.check is None
                and box[0] - prev.box[2] < 0.1 * max(prev.h, 1.0)
                and prev.text[-1:].isalnum()
                and text[:1].isalnum()
                and word.source != "ocr"
            ):
                toks[-1] = Tok(
                    prev.text + text,
                    prev.words + [word],
                    _union([prev.box, box]),
                    min(prev.conf, word.confidence),
                )
                continue
            toks.append(tok)
        toks = _merge_bracket_boxes(toks)
        if not toks:
            continue
        # Cut at wide gaps before dropping box junk: the hole a dropped box leaves between
        # a question and its options is no gap.
        hh = median(t.h for t in toks)
        groups: list[list[Tok]] = [[toks[0]]]
        for tok in toks[1:]:
            prev = groups[-1][-1]
            if tok.box[0] - prev.box[2] > 1.6 * hh or _ruled_apart(prev, tok, down):
                groups.append([])
            groups[-1].append(tok)
        # Beside boxes the reader did read on the line ("[X] Immune { ] Not immune"),
        # junk is an empty box.
        read_boxes = any(t.check is not None for t in toks)
        for group in groups:
            kept = _drop_ocr_boxes(group, read_boxes)
            if kept:
                out.append(Phrase(kept, len(out), 0))
    out = _rejoin_rows(out, down)
    gaps = [
        b.box[0] - a.box[2]
        for p in out
        for a, b in zip(p.toks, p.toks[1:], strict=False)
        if b.box[0] > a.box[2]
    ]
    word_gap = median(gaps) if gaps else 0.0
    for p in out:
        p.page = page.number
        p.word_gap = word_gap
    return out


def _ruled_apart(a: Tok, b: Tok, down: list[Box]) -> bool:
    """A vertical rule runs between two words of a line, across their height."""
    mid = (a.box[1] + a.box[3] + b.box[1] + b.box[3]) / 4
    return any(a.box[2] - 1 <= (r[0] + r[2]) / 2 <= b.box[0] + 1 and r[1] < mid < r[3]
               for r in down)


# How far a row may tilt between a label and a value further along it (about 1.7 degrees).
ROW_SLOPE = 0.03


def _rejoin_rows(phrases: list[Phrase], down: list[Box]) -> list[Phrase]:
    """A reader that broke one printed row into two lines (a tilted photo): a phrase that
    starts a word space after another ends, level with its last word, continues it."""
    out: list[Phrase] = []
    for p in phrases:
        first = p.toks[0]
        joined = None
        if first.check is None:
            for q in out:
                last = q.toks[-1]
                gap = first.box[0] - last.box[2]
                if (last.check is None and -0.1 * first.h <= gap < 0.6 * first.h
                        and abs(last.h - first.h) < 0.3 * max(first.h, last.h)
                        and same_row(last.box, first.box)
                        and not _ruled_apart(last, first, down)):
                    joined = q
                    break
        if joined is None:
            out.append(p)
            continue
        joined.toks.extend(p.toks)
    for i, p in enumerate(out):
        p.index = i
    return out


def same_row(a: Box, b: Box, slope: float = 0.0) -> bool:
    """Centres within half a line height; `slope` allows that much more per pixel apart
    (a photo's rows tilt a little)."""
    ca, cb = (a[1] + a[3]) / 2, (b[1] + b[3]) / 2
    gap = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    return abs(ca - cb) < 0.5 * max(min(a[3] - a[1], b[3] - b[1]), 1.0) + slope * gap


def _labelish(text: str) -> bool:
    if text in ("&", "/", "+"):
        return True  # "Dose & duration:", "Policy / card no:"
    return not re.search(r"[\d@]", text) and bool(re.search(r"[A-Za-z]", text))


def _colon_label_start(phrase: Phrase, i: int, j: int) -> int:
    """Where a label ending in a colon at `j` starts: walk back over label-like words (a
    parenthesis counts as one) to `i`, a comma or a word with digits ("Pune 412201 Ph:")."""
    toks = phrase.toks
    k = j
    depth = 0
    while k >= i:
        text = toks[k].text
        depth += text.count(")") - text.count("(")
        inside = depth > 0 or (text.count("(") and k != j)
        if k < j and not inside and (not _labelish(text) or text.endswith((",", ";", ":"))):
            return k + 1
        if k < j and not inside and phrase.wide_gap(k + 1):
            return k + 1
        if k < j and j - k >= 7:
            return k + 1
        k -= 1
    return i


_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "mx"})


def _valueish(text: str) -> bool:
    """A word that belongs to a value, never to a label: a number, a phone, an amount."""
    if re.fullmatch(r"\([A-Za-z]{1,8}\)[:.]?", text):
        return False  # a label's qualifier: "Tel (H)", "Phone (mobile):"
    return bool(re.search(r"\d", text)) or text[:1] in "(+#$£€@"


def _closes_a_note(toks: list[Tok]) -> bool:
    """The phrase's first word or two close a parenthesis they never opened ("name)")."""
    for t in toks[:2]:
        if "(" in t.text:
            return False
        if ")" in t.text:
            return True
    return False


# Words that open an address's first line before its number ("House No. 802", "Flat 6A").
ADDRESS_OPENERS = frozenset({"house", "flat", "plot", "door", "apt", "apartment", "unit",
                              "suite", "block", "building", "bldg", "room"})


def _opens_address(toks: list[Tok], k: int) -> bool:
    """Token k opens an address line: an opener word, then a number (after "No.")."""
    if toks[k].text.lower().strip(".,") not in ADDRESS_OPENERS:
        return False
    nxt = toks[k + 1 : k + 3]
    if nxt and nxt[0].text.lower().strip(".:#") in ("no", "number", "nr") and len(nxt) > 1:
        nxt = nxt[1:]
    return bool(nxt) and bool(re.match(r"#?\d", nxt[0].text))


def find_spans(
    phrase: Phrase,
    label_score: Callable[[tuple[str, ...], bool], float],
    threshold: float,
    max_words: int = 8,
) -> list[tuple[int, int, tuple[str, ...], bool]]:
    """Label spans in a phrase: (start, end, words, colon). A span starts the phrase or
    follows a comma, colon or wide gap; it ends at a colon, or where the vocabulary calls the
    words a label and a gap (or a number, or a capitalised value) follows them."""
    spans: list[tuple[int, int, tuple[str, ...], bool]] = []
    toks = phrase.toks
    lead = _numbering(toks)
    i = 0
    while i < len(toks):
        starts_ok = (
            i == 0
            or i == lead
            or toks[i - 1].text.endswith((",", ":", ";", "|", ")", "."))
            or phrase.wide_gap(i)
        )
        if toks[i].check is not None or _valueish(toks[i].text):
            i += 1  # a label never starts with a number ("Refill: 2 times")
            continue
        if i == 0 and _closes_a_note(toks):
            i += 1  # "name)": the end of a note wrapped from the line above, no label
            continue
        found = None
        # A colon ends a label outright.
        for j in range(i, min(len(toks), i + 12)):
            if toks[j].check is not None:
                break
            if toks[j].text.endswith((":", "?")):
                k = _colon_label_start(phrase, i, j)
                # The longest tail the vocabulary knows ("Name: Ann Lee Date:" -> "Date:").
                for kk in range(k, j + 1):
                    if label_score(label_tokens(phrase.text(kk, j + 1)), False) >= threshold:
                        k = kk
                        break
                words = label_tokens(phrase.text(k, j + 1))
                if words:
                    found = (k, j + 1, words, True)
                break
        if found is None and lead and i == lead:
            # After a part's numbering ("Part E: Drug history") the rest is its heading.
            words = label_tokens(phrase.text(i, len(toks)))
            if words and label_score(words, True) >= threshold:
                found = (i, len(toks), words, False)
        if found is None and starts_ok:
            # Without a colon: the prefix the vocabulary likes best, set off from its value
            # by a gap, a number ("Phone (000) 111") or, for a sure label, a capital ("Name
            # Ann Lee"); "Weight 70" starts a label, "Sex F" is the label "Sex".
            best: tuple[float, int] | None = None
            for j in range(i + 1, min(len(toks), i + max_words) + 1):
                if toks[j - 1].check is not None or _valueish(toks[j - 1].text) or (
                        _opens_address(toks, j - 1)):
                    break
                gap_after = j == len(toks) or (
                    phrase.wide_gap(j) or toks[j].check is not None or _valueish(toks[j].text)
                    or _opens_address(toks, j)
                )
                capital_after = j < len(toks) and toks[j].text[:1].isupper()
                if not gap_after and not capital_after:
                    continue
                last = tokens(toks[j - 1].text)
                if j < len(toks) and (not last or set(last) <= STOP - {"by"}
                                      or set(last) <= _TITLES):
                    continue  # no label ends in "of", "&", "my" or "Dr" ("Prescribed by Dr X")
                words = label_tokens(phrase.text(i, j))
                score = label_score(words, i == 0 and j == len(toks)) if words else 0.0
                need = threshold if gap_after else max(threshold, 0.8)
                if len(words) == 1 and score < 0.95:
                    continue  # one word that only looks like a label ("Wright," ~ weight)
                # A longer label wins when it scores as well, or when all it adds are
                # qualifiers ("Medicines currently taken": no value "currently taken").
                if score >= need and (best is None or score >= best[0]
                                      or set(label_tokens(phrase.text(best[1], j))) <= SOFT):
                    best = (max(score, best[0]) if best else score, j)
            if best is not None:
                found = (i, best[1], label_tokens(phrase.text(i, best[1])), False)
        if found is None:
            i += 1
            continue
        k, end, words, colon = found
        if k == 1 and _QUESTION_NUMBER.match(toks[0].text) or lead and k == lead:
            k = 0  # "Q10. Weight:", "(5) Name", "Section 2 - Next of kin": the number's
            found = (k, end, words, colon)
        if end < len(toks) and toks[end].text.rstrip(":") in _NUMBER_SIGNS:
            # "Policy #", "Member №:": the sign is the label's, not its value.
            colon = colon or toks[end].text.endswith(":")
            end += 1
            found = (k, end, words, colon)
        spans.append(found)
        i = found[1]
    return spans


def _numbering(toks: list[Tok]) -> int:
    """Tokens a section's numbering takes at the start: "Section 2 -", "Part B:" (0: none)."""
    if len(toks) < 3 or toks[0].text.lower().rstrip(".") not in ("section", "part", "step"):
        return 0
    if not re.fullmatch(r"[0-9]{1,2}|[A-Za-z]|[IVX]{1,4}", toks[1].text.rstrip(".:-–)")):
        return 0
    return 3 if toks[2].text in ("-", "–", "—", ":", ".") and len(toks) > 3 else 2


_NUMBER_SIGNS = frozenset({"#", "№", "Nr."})
# A question's number: "Q10.", "A3.", "C4", "(5)", "7." (a lettered one is never a heading).
LETTERED_QUESTION = re.compile(r"^(?:[A-Ea-eQq]\.?\s?\d{1,3}[.):]?|\(\d{1,3}\))$")
_QUESTION_NUMBER = re.compile(rf"{LETTERED_QUESTION.pattern}|^\d{{1,3}}[.)]$")


def region_right(model: PageModel, span: LabelSpan, span_ends: dict[int, list[int]]) -> Region:
    """Tokens after the label on its phrase up to the next label; then the phrases further
    along the row ("06 / 10 / 90" in boxes) until a label, a check box row or a wide gap."""
    p = span.phrase
    stops = [s for s in span_ends.get(p.index, []) if s >= span.end]
    stop = min(stops) if stops else len(p.toks)
    toks = list(p.toks[span.end : stop])
    if stop < len(p.toks):
        return Region([toks] if toks else [], "right")
    row = sorted(
        (
            q
            for q in model.phrases
            if q.page == p.page and q is not p and same_row(q.box, p.box, ROW_SLOPE)
            and q.box[0] >= p.box[2] - 2
        ),
        key=lambda q: q.box[0],
    )
    last_x = (toks[-1].box[2] if toks else span.box[2])
    # A label's note ("Varicella (chickenpox)") is no value: the value may still be far off.
    note = bool(toks) and toks[0].text.startswith("(") and toks[-1].text.rstrip(
        ",.:;").endswith(")") and not any(ch.isdigit() for t in toks for ch in t.text)
    # In a grid of section columns a row's value stops where the next column starts.
    in_grid = len(model.columns) >= 2 and model.columns[0][1] <= p.box[1] <= model.grid_bottom
    col_starts = [x0 for x0, _y, _k in model.columns[1:]] if in_grid else []
    for q in row:
        gap = q.box[0] - last_x
        if toks and any(last_x < x - 0.2 * p.h <= q.box[0] for x in col_starts):
            break
        first_limit = max(25 * p.h, 0.35 * model.page.width)
        if all(t.check is not None for t in q.toks):
            first_limit = 0.7 * model.page.width  # a tick table's boxes sit far right
        if gap > (first_limit if not toks or note else 5 * p.h):
            break
        starts = span_ends.get(q.index, [])
        cut = min(starts) if starts else len(q.toks)
        if cut == 1 < len(q.toks) and any(t.text.endswith(":") for t in q.toks[1:]) and (
            _labelish(q.toks[0].text) and not q.toks[0].text.endswith((":", ",", ";"))
        ):
            cut = 0  # "Standing height:": a word before a known label is the label's
        toks.extend(q.toks[:cut])
        last_x = q.box[2]
        if cut < len(q.toks):
            break
    return Region([toks] if toks else [], "right")


def continued(
    model: PageModel, region: Region, label_starts: set[int], max_lines: int, label_x1: float
) -> Region:
    """A value beside its label that runs on under itself: lines right under the value,
    starting where it starts (right of the label, so not the next label's line), while the
    field may have more lines, or after a trailing comma; a wrapped name or company too."""
    if not region.lines:
        return region
    lines = list(region.lines)
    box = _union([t.box for t in lines[-1]])
    x0 = _union([t.box for t in lines[0]])[0]
    h = max(1.0, box[3] - box[1])
    others: list[LabelSpan | Phrase] = [*model.labels, *model.phrases]
    while len(lines) < max(max_lines, 3):
        below = [
            q for q in model.phrases
            if q.box[1] > box[3] - 0.3 * h and q.box[1] - box[3] < 1.2 * h
            and abs(q.box[0] - x0) < 2 * h and q.index not in label_starts
            and not same_row(q.box, box)
        ]
        if not below:
            break
        q = min(below, key=lambda q: q.box[1])
        if any(same_row(s.box, q.box, ROW_SLOPE) and s.box[2] <= q.box[0] + h
               for s in others if s is not q):
            break  # another label's value on its row (a label we may not know: "UHID")
        # In the value's column, not the label's (a hand may start it a little left).
        wrapped = q.box[0] > label_x1 - 0.5 * h
        tight = q.box[1] - box[3] < 0.7 * h  # a paragraph's line spacing, not a new field's
        if not (wrapped or (tight and len(lines) < max_lines) or lines[-1][-1].text.endswith(",")):
            break
        if any(tok in q.toks for line in lines for tok in line):
            break
        lines.append(q.toks)
        box = q.box
    return Region(lines, region.where)


def region_below(
    model: PageModel,
    span: LabelSpan,
    label_starts: set[int],
    max_lines: int,
    first_gap: float = 2.4,
) -> Region:
    """Phrases under the label, starting under it, until a gap, a label or `max_lines`."""
    box = span.box
    h = span.phrase.h
    p = span.phrase
    # Words the vocabulary left out of the label ("Pre-existing conditions:", "Standing
    # height:") still start it: its value sits under them.
    left = box[0]
    before = p.toks[: span.start]
    words = [t for t in before if t.text not in ("/", "&", "-", "+")]
    if (0 < len(words) <= 2 and not any(t.text.endswith((":", ",", ";")) for t in before)
            and not any(s.phrase is p and s.start < span.start for s in model.labels)):
        left = p.box[0]  # (not when those words are a label of their own: "Dose & form")
    cands = [
        q
        for q in model.phrases
        if q.page == p.page
        and q is not p
        and (q.box[1] + q.box[3]) / 2 > box[3]
        and not same_row(q.box, box)
        and q.box[0] < box[2] + 0.5 * h
        and q.box[0] > left - 6 * h
    ]
    cands.sort(key=lambda q: (q.box[1], q.box[0]))
    if cands:
        # Of the cells on the first row under the label, the one under it comes first (a
        # table's head over its column), not the one furthest left.
        row = [q for q in cands if same_row(q.box, cands[0].box)]
        under = min(row, key=lambda q: max(0.0, left - q.box[2], q.box[0] - box[2]))
        cands.remove(under)
        cands.insert(0, under)
    lines: list[list[Tok]] = []
    ref = box[3]
    x0 = None
    for q in cands:
        limit = first_gap * h if not lines else 1.3 * max(q.h, h)
        if q.box[1] - ref > limit:
            break
        if q.index in label_starts:
            break
        if lines and same_row(q.box, _union([t.box for t in lines[-1]])):
            last = _union([t.box for t in lines[-1]])
            if max(q.box[0] - last[2], last[0] - q.box[2]) < 4 * h:  # one line cut at a gap
                lines[-1] = sorted(lines[-1] + q.toks, key=lambda t: t.box[0])
            continue  # else another column's cell on this row
        if x0 is not None and abs(q.box[0] - x0) > 6 * h:
            continue
        lines.append(q.toks)
        x0 = q.box[0] if x0 is None else x0
        ref = q.box[3]
        if len(lines) >= max_lines:
            break
    return Region(
        [_run_on(model, line, label_starts, 4 * max(h, median(t.h for t in line)))
         for line in lines],
        "below",
    )


def _run_on(model: PageModel, line: list[Tok], label_starts: set[int], gap: float) -> list[Tok]:
    """A value line with the check-box phrases that carry on along its row past the label's
    edge ("☐ Immune   ☒ Not immune" under "Chickenpox"), up to a wide gap or a label."""
    ids = {id(t) for t in line}
    while True:
        box = _union([t.box for t in line])
        nxt = [
            q for q in model.phrases
            if q.index not in label_starts and same_row(q.box, box) and q.toks[0].check is not None
            and 0 <= q.box[0] - box[2] < gap and not any(id(t) in ids for t in q.toks)
        ]
        if not nxt:
            return line
        q = min(nxt, key=lambda q: q.box[0])
        line = line + q.toks
        ids |= {id(t) for t in q.toks}


def region_above(model: PageModel, span: LabelSpan, label_starts: set[int]) -> Region:
    """The phrase just over a caption printed under its value line."""
    box = span.box
    h = span.phrase.h
    p = span.phrase
    best = None
    for q in model.phrases:
        if q.page != p.page or q is p or q.index in label_starts:
            continue
        if q.box[3] > box[1] + 0.3 * h or box[1] - q.box[3] > 1.6 * h:
            continue
        overlap = min(q.box[2], box[2] + 3 * h) - max(q.box[0], box[0] - 3 * h)
        if overlap <= 0:
            continue
        if best is None or q.box[3] > best.box[3]:
            best = q
    return Region([best.toks] if best else [], "above")


def blocks_of(phrases: list[Phrase]) -> dict[int, int]:
    """Blocks of stacked lines (a letterhead, an address, a signature): phrases one under
    another with little air between them and overlapping or centred on each other."""
    parent = {p.index: p.index for p in phrases}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ordered = sorted(phrases, key=lambda p: p.box[1])
    for k, p in enumerate(ordered):
        for q in ordered[k + 1 :]:
            gap = q.box[1] - p.box[3]
            if gap > 1.4 * max(p.h, q.h):
                break
            if same_row(p.box, q.box) or gap < -0.3 * p.h:
                continue
            overlap = min(p.box[2], q.box[2]) - max(p.box[0], q.box[0])
            centred = abs((p.box[0] + p.box[2]) - (q.box[0] + q.box[2])) / 2 < 3 * p.h
            if overlap > 0 or centred:
                parent[root(q.index)] = root(p.index)
    return {i: root(i) for i in parent}
