"""Patient-details family `pd_insurance_claim`: a registration and insurance claim form with
numbered questions. Each question's label sits ABOVE its answer box ("7. Home phone" over
a ruled box, a box with only its bottom rule, or a shaded box). Sections: the patient,
then next of kin beside insurance / policy holder (stacked on some forms), then medical
history, whose immunity and vaccination answers are marks in a table with "Immune | Not
immune" and "Yes | No" columns; other yes/no answers are circled or ticked. An office-use
box, distractor questions (sex, e-mail, relationship, group number ...) and a declaration
with the signature (and, on some forms, the form's date) complete it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from medxtract.synth import kit, people
from medxtract.synth.manifest import Words
from medxtract.synth.pd_common import Patient, patient
from medxtract.synth.rx_common import CLINICS
from medxtract.synth.style import Hand, TypedText

# Fields a box never cuts short: they shrink to fit instead.
WHOLE = {"record_date", "birth_date", "insurance_expiry", "phone", "weight", "height"}
IMMUNITY_ROWS = ("Mumps", "Rubella (German measles)", "Whooping cough (pertussis)")
YES_NO_ROWS = (
    "Tetanus vaccine in the last 10 years?",
    "Flu vaccine this season?",
    "Do you smoke?",
    "Have you been in hospital in the last year?",
)
DECLARATIONS = (
    "I declare that the information given above is true and complete to the best of my knowledge.",
    "I authorise the release of any medical information necessary to process insurance "
    "claims, and I confirm that the above details are correct.",
    "I understand that incorrect or incomplete information may delay my claim.",
)


@dataclass
class Q:
    """One question: its truth field ("" for a distractor), label, share of a row, and kind:
    "text" (a one-line box), "lines" (two lines), "yesno" or "choice" (printed options, one
    circled or ticked)."""

    key: str
    label: str
    share: float
    kind: str
    value: str = ""  # a distractor's answer, or the chosen option
    choices: tuple[str, ...] = ()


@dataclass
class Look:
    """What this form keeps the same throughout."""

    lsize: float  # labels above the boxes
    vsize: float  # answers
    box: str  # "box", "under" (bottom rule only) or "shade"
    mark: str  # yes/no answers: "circle" or "tick"
    bar: bool  # section headings on a shaded bar (or ruled)
    gap: float  # between boxes in a row


def build(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f = kit.start(rng, typed, words, hand)
    st, pen = f.st, f.pen
    p = patient(rng)
    look = Look(
        lsize=st.label_size * rng.uniform(0.72, 0.88),
        vsize=min(st.value_size, 12.5),
        box=rng.choice(("box", "box", "under", "shade")),
        mark=rng.choice(("circle", "tick")),
        bar=rng.random() < 0.5,
        gap=rng.uniform(6, 14),
    )
    x0 = st.margin_left * rng.uniform(0.5, 0.85)
    x1 = st.width - x0
    y = st.height - st.margin_top * rng.uniform(0.6, 0.9)
    bottom = rng.uniform(36, 56)

    # Header: the practice, the title, instructions, and an office-use box on some forms.
    pen.text(x0, y, rng.choice(CLINICS), st.bold, st.value_size * 1.1)
    if rng.random() < 0.5:
        _office_box(f, x1, y + st.value_size)
    y -= st.line() * 1.5
    pen.text(x0, y, f.words.pick("pd_title"), st.heading_font, st.heading_size)
    y -= st.line() * 1.1
    note = rng.choice(
        (
            "Please complete in BLOCK CAPITALS and tick or circle as appropriate.",
            "Answer every question; write N/A where a question does not apply.",
            "Use black ink. Circle the answer that applies.",
        )
    )
    pen.text(x0, y, note, size=look.lsize, gray=0.3)
    y -= st.line() * 1.2

    date_at_top = rng.random() < 0.5
    sections = _sections(f, p, date_at_top)
    _number(f, sections)
    heads = _heading_texts(f, [head for head, _ in sections])
    side_by_side = rng.random() < 0.65
    history_table = _history_rows(f, p)
    # Split name boxes ("@surname", "@first") stand for patient_name.
    present = [q.key if q.key[:1] != "@" else "patient_name" for _, qs in sections for q in qs]
    present += ["chicken_pox", "measles", "hepatitis_b_vaccinated"]

    i = 0
    while i < len(sections):
        head, qs = sections[i]
        pair = side_by_side and [h for h, _ in sections[i : i + 2]] == [
            "h_emergency",
            "h_insurance",
        ]
        table = history_table if head == "h_history" else None
        if pair:
            w = (x1 - x0 - 18) / 2
            other = sections[i + 1][1]
            need = _heading_h(f) + max(_height(f, look, qs, w), _height(f, look, other, w))
        else:  # a lone section may run on to the next page between rows
            w = x1 - x0
            need = _heading_h(f) + _height(f, look, qs[:1], w)
            if table:
                need += _table_height(f, look, table)
        if y - need < bottom:
            pen.new_page()
            y = st.height - st.margin_top
        if pair:
            ya = _section(f, p, look, heads[i], qs, x0, w, y)
            yb = _section(f, p, look, heads[i + 1], sections[i + 1][1], x1 - w, w, y)
            y = min(ya, yb)
            i += 2
        else:
            y = _section(f, p, look, heads[i], qs, x0, w, y, table, bottom)
            i += 1
        y -= st.line() * 0.6 + st.label_size  # room for the next heading's capitals

    # Declaration, signature and (on forms without it at the top) the form's date.
    if y - st.line() * 5 < bottom:
        pen.new_page()
        y = st.height - st.margin_top
    for line in kit.wrap(pen, rng.choice(DECLARATIONS), x1 - x0, look.lsize, printed=True):
        pen.text(x0, y, line, size=look.lsize)
        y -= look.lsize * 1.3
    y -= st.line() * 1.6
    sig = rng.choice(("Signature of patient", "Signature of patient / guardian", "Signed"))
    lw = pen.label(x0, y, sig + f.colon)
    pen.rule(x0 + lw + 6, y - 3, x0 + lw + 170, width=0.6)
    kit.signature(pen, rng, x0 + lw + 16, y, 130)
    if not date_at_top:
        present.insert(0, "record_date")
        label = f.lab("record_date")
        dx = max(x0 + lw + 190, (x0 + x1) / 2 + 30)
        if dx + pen.width_of(f"{label} {p.shown['record_date']}") * 1.2 > x1:
            dx, y = x0, y - st.line() * 1.6
        f.label_value(dx, y, label, p.shown["record_date"])
    return pen.finish(), {"document_type": "patient_details", "fields": p.fields(tuple(present))}


def _sections(f: kit.Form, p: Patient, date_at_top: bool) -> list[tuple[str, list[Q]]]:
    """The sections' questions in order, labels not yet numbered."""
    rng = f.rng
    first, last = p.first, p.last
    email = people.email(rng, first, last)
    name = f.lab("patient_name", split_ok=True)
    if "|" in name:
        a, b = name.split("|")
        p.shown["@surname"], p.shown["@first"] = last.upper() if rng.random() < 0.5 else last, first
        p.truth["patient_name"] = [f"{first} {last}", f"{last}, {first}"]
        names = [Q("@surname", a + f.colon, 0.5, "text"), Q("@first", b + f.colon, 0.5, "text")]
    else:
        names = [Q("patient_name", name, 1.0, "text")]
    you = [
        Q("birth_date", f.lab("birth_date"), 0.35, "text"),
        Q("", "Sex" + f.colon, 0.3, "choice", rng.choice(("M", "F")), ("M", "F", "Other")),
        Q("phone", f.lab("phone"), 0.35, "text"),
        Q("", rng.choice(("Email", "E-mail address")) + f.colon, 0.65, "text", email),
        Q("address", f.lab("address"), 1.0, "lines"),
    ]
    if rng.random() < 0.75:  # some claim forms do not ask for measurements
        you += [
            Q("weight", f.lab("weight"), 0.25, "text"),
            Q("height", f.lab("height"), 0.25, "text"),
        ]
    label, value = "Signature", ""
    while label == "Signature":  # the declaration at the foot has the signature
        label, value = kit.distractor(rng, "pd")
    you.append(Q("", label + f.colon, 0.5, "text", value))
    if date_at_top:
        you.insert(0, Q("record_date", f.lab("record_date"), 0.35, "text"))
    if rng.random() < 0.3:
        rng.shuffle(you)
    kin = [
        Q("emergency_contact_name", f.lab("emergency_contact_name"), 1.0, "text"),
        Q(
            "",
            rng.choice(("Relationship to patient", "Relationship")) + f.colon,
            0.5,
            "text",
            rng.choice(("Spouse", "Mother", "Father", "Son", "Daughter", "Friend", "Sister")),
        ),
        Q("emergency_contact_home_phone", f.lab("emergency_contact_home_phone"), 0.5, "text"),
    ]
    if rng.random() < 0.75:
        kin.append(
            Q("emergency_contact_work_phone", f.lab("emergency_contact_work_phone"), 0.5, "text")
        )
    kin.append(Q("emergency_contact_address", f.lab("emergency_contact_address"), 1.0, "lines"))
    group = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((5, 6, 8))))
    group = group if p.truth["has_insurance"] else ""
    holder = rng.choice(("Self", "Spouse", "Parent", "Other"))
    cover = [
        Q("has_insurance", f.lab("has_insurance"), 1.0, "yesno"),
        Q("insurance_company", f.lab("insurance_company"), 1.0, "text"),
        Q("policy_number", f.lab("policy_number"), 0.55, "text"),
        Q(
            "",
            rng.choice(("Group no.", "Group number", "Employer group")) + f.colon,
            0.45,
            "text",
            group,
        ),  # fmt: skip
        Q("insurance_expiry", f.lab("insurance_expiry"), 0.5, "text"),
        Q(
            "",
            "Patient's relationship to policy holder" + f.colon,
            1.0,
            "choice",
            holder,
            ("Self", "Spouse", "Parent", "Other"),
        ),  # fmt: skip
        Q("insurance_address", f.lab("insurance_address"), 1.0, "lines"),
    ]
    if not p.truth["has_insurance"] and rng.random() < 0.5:
        cover[-2] = Q("", cover[-2].label, 1.0, "choice", "", cover[-2].choices)
    history = [
        Q("medical_problems", f.lab("medical_problems"), 1.0, "lines"),
        Q("allergies", f.lab("allergies"), 1.0, "lines"),
        Q("regular_medications", f.lab("regular_medications"), 1.0, "lines"),
    ]
    sections = [("h_patient", [*names, *you]), ("h_emergency", kin), ("h_insurance", cover)]
    if rng.random() < 0.5:
        sections.append(("h_history", history))
    else:  # medicines and allergies under a heading of their own
        sections += [("h_history", history[:1]), ("h_medications", history[1:])]
    return sections


def _number(f: kit.Form, sections: list[tuple[str, list[Q]]]) -> None:
    """Number the questions: "1.", "Q1.", "(1)" ... straight through, or "A1." by section."""
    style = f.rng.choice(("{n}.", "{n}.", "{n})", "Q{n}.", "({n})", "{s}{n}."))
    n = 0
    for si, (_head, qs) in enumerate(sections):
        if "{s}" in style:
            n = 0
        for q in qs:
            n += 1
            q.label = style.format(n=n, s="ABCDEFG"[si]) + " " + q.label


def _heading_texts(f: kit.Form, heads: list[str]) -> list[str]:
    """Section headings, with "Section 2 -" / "Part B:" prefixes on some forms."""
    prefix = f.rng.choice(("", "", "Section {i} - ", "Part {a}: ", "{a}. "))
    return [prefix.format(i=i + 1, a="ABCDEFG"[i]) + f.words.pick(h) for i, h in enumerate(heads)]


def _heading_h(f: kit.Form) -> float:
    return f.st.label_size + 9


def _box_h(f: kit.Form, look: Look, lines: int) -> float:
    return lines * f.st.line(look.vsize) + 6


def _label_lines(f: kit.Form, look: Look, q: Q, w: float) -> list[str]:
    # Bold labels run wider than the regular face the wrap measures.
    return kit.wrap(f.pen, q.label, w * 0.88 - 4, look.lsize, printed=True)[:3]


def _rows(qs: list[Q], width: float, gap: float) -> list[list[tuple[Q, float, float]]]:
    """Questions packed into rows: (question, x offset, width)."""
    rows: list[list[Q]] = []
    for q in qs:
        if rows and sum(r.share for r in rows[-1]) + q.share <= 1.0001:
            rows[-1].append(q)
        else:
            rows.append([q])
    out = []
    for row in rows:
        total = sum(q.share for q in row)
        x, placed = 0.0, []
        for q in row:
            w = (width - gap * (len(row) - 1)) * q.share / total
            placed.append((q, x, w))
            x += w + gap
        out.append(placed)
    return out


def _row_parts(f: kit.Form, look: Look, row: list[tuple[Q, float, float]]) -> tuple[float, float]:
    """(label block height, answer height) of a row."""
    label_h = max(len(_label_lines(f, look, q, w)) for q, _x, w in row) * look.lsize * 1.2
    body = max(
        _box_h(f, look, 2 if q.kind == "lines" else 1) if q.kind in ("text", "lines")
        else look.lsize * 2.0
        for q, _x, _w in row
    )  # fmt: skip
    return label_h, body


def _height(f: kit.Form, look: Look, qs: list[Q], width: float) -> float:
    return sum(sum(_row_parts(f, look, row)) + look.gap * 0.8 for row in _rows(qs, width, look.gap))


def _section(
    f: kit.Form,
    p: Patient,
    look: Look,
    head: str,
    qs: list[Q],
    x: float,
    w: float,
    y: float,
    table: list[Row] | None = None,
    bottom: float = 0.0,
) -> float:
    """A heading, the history table if given, and the questions in rows between x and
    x + w, going on to a new page below `bottom`; returns the y below."""
    st, pen = f.st, f.pen
    text = head.upper() if look.bar else head
    size = st.label_size * (1.0 if look.bar else 1.1)
    size = min(size, size * (w - 10) / pen.width_of(text, st.bold, size))  # a half-width column
    if look.bar:
        pen.c.setFillGray(0.85)
        pen.c.rect(x, y - 4, w, st.label_size + 8, stroke=0, fill=1)
        pen.c.setFillGray(0)
        pen.text(x + 4, y, text, st.bold, size)
    else:
        pen.text(x, y, text, st.heading_font, size)
        pen.rule(x, y - 4, x + w, width=1.0)
    y -= _heading_h(f)
    if table:
        y = _history_table(f, look, table, x, x + w, y)
    for row in _rows(qs, w, look.gap):
        label_h, body = _row_parts(f, look, row)
        if y - label_h - body < bottom:
            pen.new_page()
            y = st.height - st.margin_top
        for q, dx, cw in row:
            for k, line in enumerate(_label_lines(f, look, q, cw)):
                pen.text(x + dx, y - look.lsize * (1 + 1.2 * k), line, st.label_font,
                         look.lsize, gray=st.label_gray)  # fmt: skip
            _answer(f, p, look, q, x + dx, y - label_h - 2, cw)
        y -= label_h + body + look.gap * 0.8
    return y


def _answer(f: kit.Form, p: Patient, look: Look, q: Q, x: float, top: float, w: float) -> None:
    """The answer under a label: a box with the value, or printed options."""
    pen, st = f.pen, f.st
    if q.kind in ("yesno", "choice"):
        choices = ("Yes", "No") if q.kind == "yesno" else q.choices
        chosen = p.shown[q.key] if q.key else q.value
        y = top - look.lsize * 1.3
        size = st.label_size
        box = pen.width_of("[   ]", size=size) if f.check_kind == "bracket" else size * 1.1
        need = sum(pen.width_of(c, st.label_font, size) + box + 22 for c in choices)
        size *= min(1.0, (w - 6) / need)  # a narrow cell prints its options smaller
        if look.mark == "circle":
            for c in choices:
                x += f.circle_option(x + 4, y, c, c == chosen, size) + 18
        else:
            f.options(x + 2, y, list(choices), chosen, size)
        return
    lines = 2 if q.kind == "lines" else 1
    h = _box_h(f, look, lines)
    if look.box == "box":
        pen.box(x, top - h, w, h, width=0.6)
    elif look.box == "shade":
        pen.c.setFillGray(0.92)
        pen.c.rect(x, top - h, w, h, stroke=0, fill=1)
        pen.c.setFillGray(0)
    else:
        pen.rule(x, top - h, x + w, width=0.6, gray=0.3)
    value = p.shown[q.key] if q.key else q.value
    if not value:
        return
    size = look.vsize
    wrapped = kit.wrap(pen, value, w - 8, size)
    if len(wrapped) > lines and q.key in WHOLE:  # a date or number never wraps: it shrinks
        size *= (w - 8) / pen.value_width(value, size)
        wrapped = [value]
    for k, line in enumerate(wrapped[:lines]):
        pen.value(x + 4, top - size - 3 - k * st.line(look.vsize), line, size=size)
    if len(wrapped) > lines and q.key in p.truth and p.truth[q.key] is not None:
        p.truth[q.key] = " ".join(wrapped[:lines])  # the box ran out: the truth keeps what fits


# A history-table row: (label, field or "", chosen column 0/1); group heads have field "#".
Row = tuple[str, str, int]


def _history_rows(f: kit.Form, p: Patient) -> list[Row]:
    rng = f.rng
    immune: list[Row] = [
        (f.words.pick(k), k, 0 if p.truth[k] == "IMMUNE" else 1) for k in ("chicken_pox", "measles")
    ]
    immune += [(r, "", rng.randint(0, 1)) for r in rng.sample(IMMUNITY_ROWS, rng.randint(0, 2))]
    hep = p.truth["hepatitis_b_vaccinated"]
    yes_no: list[Row] = [(f.words.pick("hepatitis_b_vaccinated"), "hepatitis_b_vaccinated",
                          0 if hep else 1)]  # fmt: skip
    yes_no += [(r, "", rng.randint(0, 1)) for r in rng.sample(YES_NO_ROWS, rng.randint(1, 3))]
    if rng.random() < 0.4:
        rng.shuffle(immune)
        rng.shuffle(yes_no)
    intro = rng.choice(("Immunity", "Are you immune to:", "Have you had:"))
    return [(intro, "#Immune|Not immune", 0), *immune, ("Vaccinations and other", "#Yes|No", 0),
            *yes_no]  # fmt: skip


def _table_height(f: kit.Form, look: Look, rows: list[Row]) -> float:
    return len(rows) * f.st.line(look.lsize) * 1.45 + 12


def _history_table(
    f: kit.Form, look: Look, rows: list[Row], x0: float, x1: float, y: float
) -> float:
    """The tick table: label column, then two answer columns whose heads each group row
    restates. Answers are ticked boxes or a written mark in the chosen column."""
    st, pen = f.st, f.pen
    h = st.line(look.lsize) * 1.45
    c1 = x0 + (x1 - x0) * 0.62
    c2 = c1 + (x1 - c1) / 2
    boxes = f.rng.random() < 0.5
    ys = [y]
    for label, field, chosen in rows:
        base = y - h + (h - look.lsize) / 2 + 1
        if field.startswith("#"):
            pen.c.setFillGray(0.9)
            pen.c.rect(x0, y - h, x1 - x0, h, stroke=0, fill=1)
            pen.c.setFillGray(0)
            pen.text(x0 + 4, base, label, st.bold, look.lsize)
            for cx, head in zip((c1, c2), field[1:].split("|"), strict=True):
                pen.text((cx + (x1 - c1) / 4), base, head, st.bold, look.lsize, align="center")
        else:
            pen.text(x0 + 4, base, label, st.label_font, look.lsize, gray=st.label_gray)
            for col, cx in enumerate((c1, c2)):
                mid = cx + (x1 - c1) / 4
                if boxes:
                    f.check(mid - look.lsize / 2, base, col == chosen)
                elif col == chosen:
                    pen.value(mid - look.vsize / 3, base, "X", size=look.vsize)
        y -= h
        ys.append(y)
    for yv in ys:
        pen.rule(x0, yv, x1, width=0.5, gray=0.3)
    pen.c.setLineWidth(0.5)
    for xv in (x0, c1, c2, x1):
        pen.c.line(xv, ys[0], xv, ys[-1])
    return y - 12


def _office_box(f: kit.Form, right: float, top: float) -> None:
    """An empty "office use only" box in the top right corner."""
    pen = f.pen
    size = f.st.label_size * 0.7
    w, h = 150.0, size * 5
    pen.box(right - w, top - h, w, h, width=0.6)
    pen.text(right - w + 4, top - size - 2, "FOR OFFICE USE ONLY", f.st.bold, size)
    for i, label in enumerate(("Patient no.", "Claim no.")):
        yy = top - size * (2.6 + 1.4 * i)
        pen.text(right - w + 4, yy, label, size=size)
        pen.rule(right - w + 50, yy - 2, right - 6, width=0.4, gray=0.5)
