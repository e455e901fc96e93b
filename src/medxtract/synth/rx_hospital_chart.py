"""Prescription family `rx_hospital_chart`: a hospital medication order sheet (in- or
outpatient). Hospital header; patient identification at the top as a boxed grid (small
capital labels in the cell corners, or a shaded label column) or as a printed patient
sticker; a ruled medicine table Drug | Dose | Route | Frequency | Duration (route and
frequency swap on some charts; start-date, indication, quantity, initials or pharmacy
columns on others; empty rows left for later orders); refills as a written line, tick
boxes or circled numbers (none on inpatient charts); the prescriber's signature, name,
registration number and date at the BOTTOM.

The directions truth of a medicine is its row's dose (when the dose is a count, not the
strength), route, frequency and duration cells in column order."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from medxtract.synth import clinical, kit, people
from medxtract.synth.dates import DATE_FORMATS, date_truth, format_date, random_date
from medxtract.synth.manifest import Words
from medxtract.synth.rx_common import QUANTITIES, med_text, prescriber, refills_text, rx_truth
from medxtract.synth.style import Hand, Pen, TypedText

ROUTES = {
    "oral": ("Oral", "Oral", "PO", "p.o.", "By mouth"),
    "topical": ("Topical", "TOP", "Skin"),
    "inhaled": ("Inhaled", "INH", "Inhalation"),
    "injection": ("SC", "S/C", "Subcut", "IM", "IV"),
}
FORM_ROUTE = {
    "cream": "topical",
    "ointment": "topical",
    "gel": "topical",
    "inhaler": "inhaled",
    "pen": "injection",
    "injection": "injection",
    "vial": "injection",
}
# One dose as a chart writes it, by printed form.
DOSES = {
    "tab": ("1 tab", "2 tabs", "1/2 tab", "1"),
    "cap": ("1 cap", "2 caps", "1"),
    "liquid": ("5 ml", "10 ml", "2.5 ml", "15 ml"),
    "topical": ("Apply thinly", "Thin film", "1 FTU"),
    "inhaler": ("2 puffs", "1 puff"),
    "drops": ("5 drops", "10 drops", "1 ml"),
    "injection": ("1 dose", "1 vial", "1 amp"),
    "sachet": ("1 sachet",),
}
FREQUENCIES = (
    "OD", "BD", "TDS", "QDS", "Once daily", "Twice daily", "Three times daily", "8 hourly",
    "12 hourly", "Nocte", "Mane", "At night", "PRN", "1-0-1", "1-1-1", "0-0-1", "1-0-0",
    "BID", "TID", "q6h", "q8h", "Every morning", "Stat",
)  # fmt: skip
DURATIONS = (
    "3 days", "5 days", "7 days", "10 days", "14 days", "28 days", "1 month", "3 months",
    "Ongoing", "Until review", "5/7", "7/7", "2/52", "x 5 days",
)  # fmt: skip
# Table columns: role -> share of the table width.
WIDTHS = {
    "drug": 0.3, "strength": 0.12, "dose": 0.11, "route": 0.09, "freq": 0.13, "dur": 0.11,
    "start": 0.1, "ind": 0.13, "qty": 0.08, "init": 0.08, "pharm": 0.08,
}  # fmt: skip
DIRECTIONS = ("dose", "route", "freq", "dur")  # the roles whose cells make the directions


def build(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f = kit.start(rng, typed, words, hand)
    st, pen = f.st, f.pen
    x0 = st.margin_left * rng.uniform(0.55, 0.9)
    x1 = st.width - x0
    y = st.height - st.margin_top * rng.uniform(0.6, 1.0)
    cap = rng.uniform(6.5, 8.0)  # corner labels
    caps = rng.random() < 0.7  # corner labels in capitals

    # Hospital header: name, address, phone, sometimes a department line and an emblem.
    doc = prescriber(rng)
    centred = rng.random() < 0.5
    hx = st.width / 2 if centred else x0
    align = "center" if centred else "left"
    if not centred and rng.random() < 0.4:
        _emblem(pen, x0 + 14, y - 8, 14)
        hx += 36
    name = doc.clinic.upper() if rng.random() < 0.5 else doc.clinic
    pen.text(hx, y, name, st.bold, st.heading_size * 0.9, align=align)
    small = st.value_size * 0.85
    for line in (", ".join(doc.lines), f"{f.lab('prescriber_phone')} {doc.phone}"):
        y -= st.line(small)
        pen.text(hx, y, line, size=small, align=align)
    if rng.random() < 0.5:
        y -= st.line(small)
        dept = rng.choice(
            ("Department of Medicine", "Outpatient Department", "Pharmacy Services", "Surgery")
        )
        pen.text(hx, y, dept, size=small, gray=0.3, align=align)
    y -= st.line() * 1.6
    title = f.words.pick("rx_title")
    pen.text(x0, y, title.upper() if rng.random() < 0.4 else title, st.bold, st.heading_size)
    y -= st.line() * 0.8

    # Patient identification.
    first, last = people.name_parts(rng)
    addr = ", ".join(people.any_address_lines(rng)[:2]) if rng.random() < 0.45 else None
    ident, name_truth = _patient_cells(f, first, last, addr)
    style = rng.choice(("corner", "corner", "column", "sticker"))
    if style == "sticker":
        y, addr = _sticker(f, x0, x1, y, ident, cap, caps)
    elif style == "column":
        y, addr = _columns(f, x0, x1, y, ident)
    else:
        y, addr = _corner_grid(f, x0, x1, y, ident, cap, caps)

    # The medicine table.
    d = random_date(rng, 2019, 2026)
    fmt = rng.choice(DATE_FORMATS)
    y -= st.line() * rng.uniform(1.0, 1.6)
    if rng.random() < 0.5:
        sec = rng.choice(("Regular medicines", "Medicines to be supplied", "Medication orders"))
        pen.text(x0, y, sec.upper() if caps else sec, st.bold, st.label_size)
        y -= st.line() * 0.9
    meds = clinical.medicine_list(rng, rng.randint(1, 5))
    dose_is_strength = rng.random() < 0.6
    cols = ["drug", "strength" if dose_is_strength else "dose", "route", "freq", "dur"]
    if rng.random() < 0.3:
        cols[2], cols[3] = cols[3], cols[2]
    for extra in rng.sample(("start", "ind", "qty", "init", "pharm"), rng.choice((0, 1, 1, 2))):
        if extra == "start":
            cols.insert(0, extra)
        elif extra == "ind":
            cols.insert(cols.index("dur") + 1, extra)
        else:
            cols.append(extra)
    head = _headers(f, cols)
    total = sum(WIDTHS[c] for c in cols)
    xs = [x0]
    for c in cols:
        xs.append(xs[-1] + (x1 - x0) * WIDTHS[c] / total)
    size = st.value_size * rng.uniform(0.8, 0.9)
    lead = st.line(size)
    top = y
    hy = y - size - 3
    heads = [_cell(f, head[c], xs[i + 1] - xs[i] - 6, size, True) for i, c in enumerate(cols)]
    y = hy - lead * (max(len(h[0]) for h in heads) - 1) - size * 0.6
    if rng.random() < 0.5:  # a grey band behind the column heads
        pen.c.setFillGray(0.88)
        pen.c.rect(x0, y, x1 - x0, top - y, stroke=0, fill=1)
        pen.c.setFillGray(0)
    for i, (lines, hsize) in enumerate(heads):
        for k, line in enumerate(lines):
            pen.text(xs[i] + 3, hy - k * lead, line, st.bold, hsize)
    rows = [top, y]
    directions: list[str] = []
    for med in meds:
        cells = _row(f, med, d, dose_is_strength, head.get("dur") == "Days")
        directions.append(" ".join(cells[c] for c in cols if c in DIRECTIONS))
        y -= lead
        height = 1
        for i, c in enumerate(cols):
            wrapped, csize = _cell(f, cells[c], xs[i + 1] - xs[i] - 7, size)
            for k, line in enumerate(wrapped):
                pen.value(xs[i] + 3, y - k * lead, line, size=csize)
            height = max(height, len(wrapped))
        y -= lead * (height - 1) + size * 0.6
        rows.append(y)

    # Refills (outpatient charts) and the prescriber block go at the foot of the page;
    # empty ruled rows fill the table down towards them.
    refills = rng.randint(0, 5) if rng.random() < 0.65 else None
    refill_style = rng.choice(("text", "boxes", "circles"))
    boxed = rng.random() < 0.55  # the prescriber block: ruled cells, or labels and lines
    block_h = st.value_size + cap + 14 if boxed else st.line() * 5.2
    refill_h = st.line() * 2.2 if refills is not None else 0
    foot = rng.uniform(40, 64) + block_h + refill_h + st.line() * 1.5
    for _ in range(rng.choice((2, 4, 40))):  # some charts rule rows down to the foot
        if y - lead * 1.6 < foot:
            break
        y -= lead * 1.6
        rows.append(y)
    for yv in rows:
        pen.rule(x0, yv, x1, width=1.0 if yv in (rows[0], rows[-1]) else 0.5, gray=0.15)
    pen.c.setLineWidth(0.6)
    for xv in xs:
        pen.c.line(xv, rows[0], xv, rows[-1])
    y = min(y, foot) - st.line() * 1.5
    if refills is not None:
        _refills(f, x0, y, refills, refill_style)
        y -= st.line() * 2.2
    _prescriber_block(f, x0, x1, y, doc.name, format_date(d, fmt), cap, caps, boxed)
    truth = rx_truth(doc, name_truth, date_truth(d, fmt), addr, meds, directions, refills)
    return pen.finish(), truth


# A patient-identification cell: (label, value, share of a row, truth role) where the role
# is "name", "surname", "first", "address" or "" (a distractor).
Ident = tuple[str, str, float, str]


def _patient_cells(f: kit.Form, first: str, last: str, addr: str | None) -> tuple[list[Ident], Any]:
    """The identification cells, the name first, and the patient_name truth."""
    rng = f.rng
    label = f.lab("patient_name", split_ok=True)
    cells: list[Ident] = []
    if "|" in label:
        a, b = label.split("|")
        surname = last.upper() if rng.random() < 0.5 else last
        cells += [(a + f.colon, surname, 0.3, "surname"), (b + f.colon, first, 0.3, "first")]
        truth: Any = [f"{first} {last}", f"{last}, {first}"]
    else:
        text, truth = people.printed_name(rng, first, last)
        cells.append((label, text, 0.55, "name"))
    dob = format_date(random_date(rng, 1935, 2020), rng.choice(("dmy0", "mdy0", "d_month_y")))
    number = rng.choice(("Hospital no.", "MRN", "UHID", "IP No.", "OP No.", "Unit no."))
    others: list[Ident] = [
        (rng.choice(("DOB", "Date of birth", "D.O.B.")), dob, 0.25, ""),
        (rng.choice(("Sex", "Gender")), rng.choice(("M", "F", "Male", "Female")), 0.15, ""),
        (
            rng.choice(("Ward", "Ward/Clinic", "Dept.")),
            rng.choice(("Ward 4", "Cardiology OPD", "Oak Ward", "Medical OPD", "Day Unit")),
            0.25,
            "",
        ),
        (rng.choice(("Consultant", "Under Dr", "Unit")), f"Dr {people.person_name(rng)}", 0.4, ""),
        (rng.choice(("Weight (kg)", "Wt")), str(rng.randint(8, 120)), 0.15, ""),
        (
            rng.choice(("Allergies", "Known allergies", "Drug allergies")),
            rng.choice(("NKDA", "None known", "Penicillin - rash", "Sulfa drugs", "Latex")),
            0.4,
            "",
        ),
    ]
    digits = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((6, 7, 8))))
    cells.append((number, digits, 0.25, ""))
    cells += rng.sample(others, rng.randint(2, 5))
    if addr:
        cells.append((f.lab("patient_address"), addr, 1.0, "address"))
    n = 1 if cells[0][3] == "name" else 2
    rest = cells[n:]
    rng.shuffle(rest)  # the name stays first, as on every chart
    return cells[:n] + rest, truth


def _corner_label(
    f: kit.Form, label: str, x: float, top: float, w: float, cap: float, caps: bool
) -> None:
    """A cell's label, small in its top-left corner (capitals on some charts, no colon)."""
    st, pen = f.st, f.pen
    text = label.rstrip(":").upper() if caps else label
    size = min(cap, cap * (w - 6) / pen.width_of(text, st.label_font, cap))
    pen.text(x + 3, top - cap - 2, text, st.label_font, size, gray=st.label_gray)


def _address(drawn: list[Ident]) -> str | None:
    """The patient address as it was printed (cells cut long ones short)."""
    return next((value for _l, value, _s, role in drawn if role == "address"), None)


def _cell(
    f: kit.Form, text: str, width: float, size: float, printed: bool = False
) -> tuple[list[str], float]:
    """A table cell's lines, and its size: smaller when one word is wider than the column."""
    widest = max((f.pen.width_of(w, f.st.bold, size) if printed else f.pen.value_width(w, size)
                  for w in text.split()), default=0.0)  # fmt: skip
    if widest > width:
        size = max(6.0, size * width / widest)
    return kit.wrap(f.pen, text, width, size, printed=printed), size


def _fit(f: kit.Form, value: str, width: float, lines: int) -> str:
    """`value` cut at a word so it fits `lines` lines of `width` (cells do not grow)."""
    wrapped = kit.wrap(f.pen, value, width)
    return " ".join(wrapped[:lines]).rstrip(",")


def _corner_grid(
    f: kit.Form, x0: float, x1: float, y: float, ident: list[Ident], cap: float, caps: bool
) -> tuple[float, str | None]:
    """Ruled cells, each with its label small in the top-left corner."""
    st, pen = f.st, f.pen
    cell_h = st.value_size + cap + f.rng.uniform(8, 12)
    drawn: list[Ident] = []
    row: list[Ident] = []
    for cell in [*ident, None]:
        if cell is not None and sum(c[2] for c in row) + cell[2] <= 1.0001:
            row.append(cell)
            continue
        scale = 1.0 / sum(c[2] for c in row)
        cx = x0
        for label, value, share, role in row:
            w = (x1 - x0) * share * scale
            pen.box(cx, y - cell_h, w, cell_h, width=0.7)
            _corner_label(f, label, cx, y, w, cap, caps)
            value = _fit(f, value, w - 10, 1) if role in ("address", "") else value
            pen.value(cx + 5, y - cell_h + 5, value)
            drawn.append((label, value, share, role))
            cx += w
        y -= cell_h
        row = [cell] if cell else []
    return y, _address(drawn)


def _columns(
    f: kit.Form, x0: float, x1: float, y: float, ident: list[Ident]
) -> tuple[float, str | None]:
    """A ruled table of label | value | label | value with the label cells shaded."""
    st, pen = f.st, f.pen
    h = st.line() * 1.35
    lw = (x1 - x0) * f.rng.uniform(0.14, 0.19)
    vw = (x1 - x0) / 2 - lw
    drawn: list[Ident] = []
    pairs = list(ident)
    col = 0
    while pairs:
        label, value, share, role = pairs.pop(0)
        wide = role == "address" or (col == 0 and share > 0.5 and role == "name")
        if wide and col == 1:  # a wide row starts under the half row before it
            y -= h
            col = 0
        cx = x0 if col == 0 or wide else x0 + lw + vw
        width = (x1 - x0) - lw if wide else vw
        pen.c.setFillGray(0.9)
        pen.c.rect(cx, y - h, lw, h, stroke=0, fill=1)
        pen.c.setFillGray(0)
        pen.box(cx, y - h, lw + width, h, width=0.6)
        pen.c.line(cx + lw, y - h, cx + lw, y)
        size = st.label_size * 0.85
        size = min(size, size * (lw - 6) / pen.width_of(label, st.label_font, size))
        pen.text(cx + 3, y - h + 5, label, st.label_font, size, st.label_gray)
        value = _fit(f, value, width - 10, 1) if role in ("address", "") else value
        pen.value(cx + lw + 5, y - h + 5, value)
        drawn.append((label, value, share, role))
        if wide or col == 1:
            y -= h
            col = 0
        else:
            col = 1
    if col == 1:
        y -= h
    return y, _address(drawn)


def _sticker(
    f: kit.Form, x0: float, x1: float, y: float, ident: list[Ident], cap: float, caps: bool
) -> tuple[float, str | None]:
    """A printed patient label stuck on the chart: the name without a label, then details;
    beside it, the chart's own cells for what the sticker does not carry."""
    st, pen, rng = f.st, f.pen, f.rng
    sx = x0 + (x1 - x0) * rng.uniform(0.42, 0.5)
    size = st.value_size * 0.9
    roles = {role: value for _l, value, _s, role in ident if role}
    name = roles.get("name") or f"{roles['surname'].upper()}, {roles['first']}"
    lines = [name]
    details = [c for c in ident if not c[3]]
    on_sticker, beside = details[:3], details[3:]
    lines += [f"{label.rstrip(':')}: {value}" for label, value, _s, _r in on_sticker]
    addr = None
    if "address" in roles:
        addr = _fit(f, roles["address"], x1 - sx - 16, 1)
        lines.append(addr)
    h = len(lines) * st.line(size) + 12
    top = y - 4
    pen.c.setDash(3, 2)
    pen.box(sx, top - h, x1 - sx, h, width=0.5)
    pen.c.setDash()
    pen.text(sx + 3, top + 2, "Affix patient label", size=cap, gray=0.4)
    ly = top - 6 - size
    for i, text in enumerate(lines):  # details are cut to the label; the name never is
        pen.value(sx + 8, ly, text if i == 0 else _fit(f, text, x1 - sx - 16, 1), size=size)
        ly -= st.line(size)
    cy = y
    for label, value, _s, _r in beside:
        cy = _corner_grid(f, x0, sx - 8, cy, [(label, value, 1.0, "")], cap, caps)[0]
    return min(cy, top - h), addr


def _headers(f: kit.Form, cols: list[str]) -> dict[str, str]:
    rng = f.rng
    dur = rng.choice(("Duration", "Duration", "Days", "Course"))
    names = {
        "drug": f.words.pick("medicines"),
        "strength": f.words.pick("strength"),
        "dose": rng.choice(("Dose", "Dose", "Each dose")),
        "route": rng.choice(("Route", "Route", "Rte")),
        "freq": rng.choice(("Frequency", "Freq.", "Frequency / timing")),
        "dur": dur,
        "start": rng.choice(("Start date", "Date started", "Start")),
        "ind": rng.choice(("Indication", "Reason")),
        "qty": f.words.pick("quantity"),
        "init": rng.choice(("Dr initials", "Sign", "Prescriber init.")),
        "pharm": rng.choice(("Pharmacy", "Pharm.")),
    }
    return {c: names[c] for c in cols}


def _row(
    f: kit.Form, med: dict[str, str], d: dt.date, dose_is_strength: bool, days: bool
) -> dict[str, str]:
    """One medicine's cells by column role (`days`: the duration column counts days)."""
    rng = f.rng
    form = med["form"]
    route = ROUTES[FORM_ROUTE.get(form, "oral")]
    if form in ("cap", "capsule"):
        dose_kind = "cap"
    elif form in ("syrup", "suspension", "oral solution"):
        dose_kind = "liquid"
    elif form in ("cream", "ointment", "gel"):
        dose_kind = "topical"
    elif form in ("inhaler", "drops", "sachet"):
        dose_kind = form
    elif form in ("pen", "injection", "vial"):
        dose_kind = "injection"
    else:
        dose_kind = "tab"
    if dose_is_strength:
        drug = med["name"] if rng.random() < 0.6 else f"{med['name']} ({form})"
        if rng.random() < 0.2:  # "write in capitals" charts
            drug = drug.upper()
    else:
        drug = med_text(f, med)
    dur = rng.choice(DURATIONS)
    if days:
        dur = rng.choice(("3", "5", "7", "10", "14", "28", "30", "Cont."))
    return {
        "drug": drug,
        "strength": clinical.print_strength(rng, med["strength"]),
        "dose": rng.choice(DOSES[dose_kind]),
        "route": rng.choice(route),
        "freq": rng.choice(FREQUENCIES),
        "dur": dur,
        "start": format_date(d, rng.choice(("dmy0", "mdy0", "iso"))),
        "ind": rng.choice(("HTN", "Pain", "Infection", "DM2", "Reflux", "Asthma", "AF", "")),
        "qty": rng.choice(QUANTITIES),
        "init": "".join(rng.choice("ABCDGHJKMPRST") for _ in range(2)),
        "pharm": "",
    }


def _refills(f: kit.Form, x: float, y: float, n: int, style: str) -> None:
    pen = f.pen
    if style == "text":
        pen.value(x, y, refills_text(f, n))  # written in by the prescriber
        return
    label = f.rng.choice(("Refills", "No. of refills", "Number of refills", "Refills permitted"))
    lx = x + pen.label(x, y, label + (f.colon or ":")) + 12
    for choice in ("0", "1", "2", "3", "4", "5"):
        if style == "circles":
            lx += f.circle_option(lx, y, choice, choice == str(n)) + 14
        else:
            lx += f.check(lx, y, choice == str(n))
            lx += pen.label(lx, y, choice) + 10


def _prescriber_block(
    f: kit.Form,
    x0: float,
    x1: float,
    y: float,
    name: str,
    date: str,
    cap: float,
    caps: bool,
    boxed: bool,
) -> None:
    """Signature, name, registration number and date at the foot: corner-labelled cells or
    label-and-line pairs."""
    st, pen, rng = f.st, f.pen, f.rng
    reg_label = rng.choice(
        ("Reg. No.", "GMC No.", "Registration No.", "MCI Reg. No.", "Prescriber No.", "NPI")
    )
    reg = rng.choice(("", "MED", "KMC ")) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    shown_name = name.upper() if rng.random() < 0.2 else name
    sig_label = rng.choice(("Signature", "Prescriber's signature", "Signed"))
    if boxed:
        h = st.value_size + cap + 14
        cells = [
            (sig_label, "", 0.3),
            (f.lab("prescriber_name"), shown_name, 0.34),
            (reg_label, reg, 0.18),
            (f.lab("date"), date, 0.18),
        ]
        cx = x0
        for label, value, share in cells:
            w = (x1 - x0) * share
            pen.box(cx, y - h, w, h, width=0.7)
            _corner_label(f, label, cx, y, w, cap, caps)
            if value:
                size = min(st.value_size, st.value_size * (w - 8) / pen.value_width(value))
                pen.value(cx + 4, y - h + 5, value, size=size)
            else:
                kit.signature(pen, rng, cx + 10, y - h + 4, w - 20, h - cap - 8)
            cx += w
        return
    yl = y - st.line()
    lw = pen.label(x0, yl, sig_label + f.colon)
    pen.rule(x0 + lw + 6, yl - 3, x0 + lw + 150, width=0.6)
    kit.signature(pen, rng, x0 + lw + 16, yl, 120)
    date_label = f.lab("date")
    dx = max(x0 + lw + 170, (x0 + x1) / 2 + 20)
    need = pen.width_of(f"{date_label}  {date}", size=st.label_size) * 1.2
    if dx + need > x1:  # no room beside the signature: the date goes below it
        dx, yl = x0, yl - st.line() * 1.6
    f.label_value(dx, yl, date_label, date)
    yl -= st.line() * 1.6
    end = f.label_value(x0, yl, f.lab("prescriber_name"), shown_name)
    rx = max(end + 20, (x0 + x1) / 2 + 20)
    if rx + pen.width_of(f"{reg_label}: {reg}", size=st.label_size) * 1.15 > x1:
        rx, yl = x0, yl - st.line() * 1.4  # a long name: the number goes below
    f.label_value(rx, yl, reg_label + f.colon, reg)


def _emblem(pen: Pen, cx: float, cy: float, r: float) -> None:
    """The hospital's printed emblem: a ringed cross."""
    c = pen.c
    c.setStrokeGray(0.2)
    c.setLineWidth(1.2)
    c.circle(cx, cy, r, stroke=1, fill=0)
    c.setFillGray(0.2)
    c.rect(cx - r * 0.18, cy - r * 0.6, r * 0.36, r * 1.2, stroke=0, fill=1)
    c.rect(cx - r * 0.6, cy - r * 0.18, r * 1.2, r * 0.36, stroke=0, fill=1)
    c.setFillGray(0)
