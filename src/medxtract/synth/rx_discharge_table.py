"""Prescription family `rx_discharge_table`: a hospital discharge prescription. Hospital
header, a patient panel (name, hospital number, admission and discharge dates), then a
ruled medicine TABLE (one medicine per row; cells wrap), and the discharging doctor."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import clinical, kit, people
from medxtract.synth.dates import printed_date
from medxtract.synth.manifest import Words
from medxtract.synth.rx_common import QUANTITIES, prescriber, rx_truth, sigs
from medxtract.synth.style import Hand, TypedText


def build(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f = kit.start(rng, typed, words, hand)
    st, pen = f.st, f.pen
    x = st.margin_left * rng.uniform(0.6, 1.0)
    right = st.width - x
    y = st.height - st.margin_top

    doc = prescriber(rng)
    pen.text(st.width / 2, y, doc.clinic.upper(), st.bold, st.heading_size, align="center")
    y -= st.line() * 1.1
    pen.text(st.width / 2, y, ", ".join(doc.lines), size=st.value_size * 0.85, align="center")
    y -= st.line() * 0.9
    pen.text(
        st.width / 2,
        y,
        f"{f.lab('prescriber_phone')} {doc.phone}",
        size=st.value_size * 0.85,
        align="center",
    )
    y -= st.line() * 1.8
    pen.text(x, y, f.words.pick("rx_title"), st.heading_font, st.heading_size * 0.85)
    y -= st.line() * 1.6

    # Patient panel: a box with two columns of label/value pairs.
    first, last = people.name_parts(rng)
    name_text, name_truth = people.printed_name(rng, first, last)
    date_text, date_truth = printed_date(rng, 2019, 2026)
    pairs = [(f.lab("patient_name", split_ok=False), name_text), (f.lab("date"), date_text)]
    addr = None
    if rng.random() < 0.4:
        addr = ", ".join(people.any_address_lines(rng)[:2])
        pairs.append((f.lab("patient_address"), addr))
    pairs += [(k + f.colon, v) for k, v in kit.distractors(rng, rng.randint(2, 4), "rx")]
    rng.shuffle(pairs)
    top = y + st.line() * 0.9
    col_x = (x + 6, st.width / 2 + 4)
    rows = (len(pairs) + 1) // 2
    for i, (label, value) in enumerate(pairs):
        cx, ry = col_x[i % 2], y - (i // 2) * st.line() * 1.5
        width = (right - x) / 2 - 12
        lsize, vsize = st.label_size, st.value_size
        need = pen.width_of(label, st.label_font, lsize) + pen.value_width(value)
        if value is name_text and need + 8 > width:
            # A long label leaves no room for the name, which is never cut: both print smaller.
            scale = (width - 10) / need
            lsize, vsize = lsize * scale, vsize * scale
        lw = pen.text(cx, ry, label, st.label_font, lsize, st.label_gray)
        shown = value
        while shown and pen.value_width(shown, vsize) > width - lw - 8:  # keep values in the cell
            shown = shown.rsplit(" ", 1)[0] if " " in shown else ""
        if value is addr and shown != value:
            addr = shown.rstrip(",")
        pen.value(cx + lw + 6, ry, shown, size=vsize)
    y -= rows * st.line() * 1.5
    pen.box(x, y + st.line() * 0.6, right - x, top - y - st.line() * 0.6)
    y -= st.line() * 1.2

    # The medicine table.
    meds = clinical.medicine_list(rng, rng.randint(1, 5))
    directions = sigs(f, meds)
    cols = ["med", "strength", "dir", "qty"]
    if rng.random() < 0.3:
        cols = ["med", "strength", "qty", "dir"]
    head = {
        "med": f.words.pick("medicines"),
        "strength": f.words.pick("strength"),
        "dir": f.words.pick("directions"),
        "qty": f.words.pick("quantity"),
    }
    fracs = {"med": 0.3, "strength": 0.17, "dir": 0.4, "qty": 0.13}
    xs = [x]
    for c in cols:
        xs.append(xs[-1] + (right - x) * fracs[c])
    size = st.value_size * rng.uniform(0.85, 0.95)
    lead = st.line(size)
    row_top = y + lead
    depth = 1
    for i, c in enumerate(cols):  # a head wider than its column wraps
        lines = kit.wrap(pen, head[c], xs[i + 1] - xs[i] - 8, size, printed=True)
        for k, line in enumerate(lines):
            pen.text(xs[i] + 4, y - k * lead, line, st.bold, size)
        depth = max(depth, len(lines))
    y -= lead * (depth - 1) + lead * 0.5
    pen.rule(x, y, right, width=1.0)
    lines_y = [row_top, y]
    y -= lead
    for med, sig in zip(meds, directions, strict=True):
        cells = {
            "med": med["name"] + (f" ({med['form']})" if rng.random() < 0.3 else ""),
            "strength": clinical.print_strength(rng, med["strength"]),
            "dir": sig,
            "qty": rng.choice(QUANTITIES),
        }
        height = 1
        for i, c in enumerate(cols):
            wrapped = kit.wrap(pen, cells[c], xs[i + 1] - xs[i] - 8, size)
            for k, line in enumerate(wrapped):
                pen.value(xs[i] + 4, y - k * lead, line, size=size)
            height = max(height, len(wrapped))
        y -= lead * (height - 1) + lead * 0.5
        pen.rule(x, y, right, width=0.5)
        lines_y.append(y)
        y -= lead
    for xv in xs:  # vertical rules of the grid
        pen.c.setLineWidth(0.6)
        pen.c.line(xv, lines_y[0], xv, lines_y[-1])
    pen.rule(x, lines_y[0], right, width=1.0)

    y -= st.line() * 1.5
    f.label_value(x, y, f.lab("prescriber_name"), doc.name)
    y -= st.line() * 1.5
    pen.label(x, y, "Signature" + f.colon)
    pen.rule(x + 80, y - 3, x + 260)

    return pen.finish(), rx_truth(doc, name_truth, date_truth, addr, meds, directions, None)
