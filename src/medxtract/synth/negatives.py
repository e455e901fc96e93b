"""Near-miss negatives: medical documents that are neither a prescription nor a patient
details form, though they share their words (medicines, vitals, names, dates). Their truth
is {"document_type": "unknown", "fields": {}}. Blank (unfilled) forms of the families are
negatives too; `generate_one` builds those from the families themselves."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from medxtract.synth import clinical, kit, people
from medxtract.synth.dates import printed_date
from medxtract.synth.manifest import Words
from medxtract.synth.rx_common import CLINICS
from medxtract.synth.style import Hand, TypedText

UNKNOWN: dict[str, Any] = {"document_type": "unknown", "fields": {}}


def _page(
    rng: random.Random,
    typed: list[TypedText] | None,
    words: Words | None,
    hand: Hand | None,
    title: str,
) -> tuple[kit.Form, float, float, float]:
    """A form with the clinic header and `title`; returns (form, x, right, y)."""
    f = kit.start(rng, typed, words, hand)
    st, pen = f.st, f.pen
    x, right = st.margin_left, st.width - st.margin_left
    y = st.height - st.margin_top
    pen.text(x, y, rng.choice(CLINICS), st.bold, st.heading_size * 0.9)
    y -= st.line()
    pen.text(x, y, ", ".join(people.any_address_lines(rng)[:2]), size=st.value_size * 0.8)
    y -= st.line() * 2
    pen.text(x, y, title, st.heading_font, st.heading_size)
    y -= st.line() * 1.8
    first, last = people.name_parts(rng)
    for label, value in [
        ("Patient" + f.colon, people.printed_name(rng, first, last)[0]),
        ("DOB" + f.colon, printed_date(rng, 1940, 2015)[0]),
        ("Date" + f.colon, printed_date(rng, 2019, 2026)[0]),
        *((k + f.colon, v) for k, v in kit.distractors(rng, 2, "any")),
    ]:
        f.label_value(x, y, label, value)
        y -= st.line() * 1.3
    return f, x, right, y - st.line()


def _rows(
    f: kit.Form, x: float, right: float, y: float, head: list[str], rows: list[list[str]]
) -> float:
    """A plain table; returns the y below it."""
    pen, st = f.pen, f.st
    xs = [x + (right - x) * i / len(head) for i in range(len(head))]
    for cx, h in zip(xs, head, strict=True):
        pen.text(cx, y, h, st.bold)
    y -= st.line() * 0.5
    pen.rule(x, y, right)
    for row in rows:
        y -= st.line() * 1.2
        for cx, cell in zip(xs, row, strict=True):
            pen.value(cx, y, cell)
    return y - st.line() * 1.5


def lab_report(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f, x, right, y = _page(
        rng,
        typed,
        words,
        hand,
        rng.choice(("Laboratory Report", "Lab Results", "Haematology & Biochemistry")),
    )
    tests = [
        ("Haemoglobin", "g/dL", 11, 17),
        ("WBC", "x10^9/L", 4, 11),
        ("Sodium", "mmol/L", 133, 146),
        ("Potassium", "mmol/L", 3, 5.5),
        ("Creatinine", "umol/L", 50, 120),
        ("HbA1c", "%", 5, 9),
        ("TSH", "mIU/L", 0.4, 5),
        ("Glucose", "mmol/L", 4, 11),
    ]
    rows = [
        [n, f"{rng.uniform(lo, hi):.1f}", u, f"{lo}-{hi}"]
        for n, u, lo, hi in rng.sample(tests, rng.randint(4, 7))
    ]
    y = _rows(f, x, right, y, ["Test", "Result", "Units", "Reference range"], rows)
    f.label_value(x, y, "Reported by" + f.colon, f"Dr {people.person_name(rng)}")
    return f.pen.finish(), dict(UNKNOWN)


def invoice(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f, x, right, y = _page(
        rng,
        typed,
        words,
        hand,
        rng.choice(("Invoice", "Receipt", "Pharmacy Receipt", "Statement of Account")),
    )
    meds = clinical.medicine_list(rng, rng.randint(2, 4))
    rows = [
        [f"{m['name']} {m['strength']}", str(rng.randint(1, 3)), f"{rng.uniform(3, 80):.2f}"]
        for m in meds
    ]
    rows.append(["Consultation fee", "1", f"{rng.uniform(30, 150):.2f}"])
    y = _rows(f, x, right, y, ["Item", "Qty", "Amount"], rows)
    f.label_value(x, y, "Total due" + f.colon, f"{rng.uniform(50, 400):.2f}")
    f.label_value(x, y - f.st.line() * 1.3, "Paid by" + f.colon, rng.choice(("Card", "Cash")))
    return f.pen.finish(), dict(UNKNOWN)


def discharge_summary(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f, x, right, y = _page(rng, typed, words, hand, "Discharge Summary")
    st, pen = f.st, f.pen
    meds = clinical.medicine_list(rng, 2)
    why = rng.choice(("community acquired pneumonia", "COPD exacerbation", "chest pain"))
    bp = f"{rng.randint(100, 160)}/{rng.randint(60, 95)}"
    text = (
        f"Admitted with {why}. On arrival O2Sat: {rng.randint(84, 93)}%, BP {bp}, "
        f"HR {rng.randint(60, 120)}. Treated with {meds[0]['name']} {meds[0]['strength']} and "
        f"{meds[1]['name']}. Improved; discharged home. Follow-up with GP in two weeks. "
        "Continue usual medication."
    )
    for heading in ("Clinical summary", "Plan"):
        pen.text(x, y, heading, st.bold)
        y -= st.line() * 1.2
        for line in kit.wrap(pen, text, right - x):
            pen.value(x, y, line)
            y -= st.line()
        y -= st.line()
        text = "Repeat chest X-ray in six weeks. Return if breathless or feverish."
    return pen.finish(), dict(UNKNOWN)


def visit_note(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f, x, right, y = _page(
        rng,
        typed,
        words,
        hand,
        rng.choice(("Clinic Visit Note", "Progress Note", "Consultation Note")),
    )
    st, pen = f.st, f.pen
    med = clinical.medicine(rng)
    for label, text in [
        ("S:", f"{rng.randint(2, 10)} days of cough and sore throat. No fever."),
        (
            "O:",
            f"T {rng.uniform(36.5, 38.5):.1f} C, BP {rng.randint(100, 150)}/80, "
            f"SpO2 {rng.randint(94, 99)}%. Throat red.",
        ),
        ("A:", rng.choice(("Viral URTI", "Acute pharyngitis", "Otitis media"))),
        ("P:", f"Continue {med['name']} {med['strength']}. Fluids, rest. Review if worse."),
    ]:
        pen.text(x, y, label, st.bold)
        for line in kit.wrap(pen, text, right - x - 30):
            pen.value(x + 30, y, line)
            y -= st.line()
        y -= st.line() * 0.5
    return pen.finish(), dict(UNKNOWN)


def certificate(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f, x, right, y = _page(
        rng,
        typed,
        words,
        hand,
        rng.choice(("Medical Certificate", "Fitness for Work Note", "Sick Note")),
    )
    pen = f.pen
    text = (
        f"This is to certify that the above patient was seen today and is unfit for work "
        f"for {rng.randint(2, 14)} days owing to {rng.choice(('influenza', 'back pain'))}. "
        "They may return to normal duties after this period."
    )
    for line in kit.wrap(pen, text, right - x):
        pen.value(x, y, line)
        y -= f.st.line()
    f.label_value(x, y - f.st.line() * 2, "Doctor" + f.colon, f"Dr {people.person_name(rng)}")
    return pen.finish(), dict(UNKNOWN)


def vaccination_card(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f, x, right, y = _page(
        rng,
        typed,
        words,
        hand,
        rng.choice(("Vaccination Record", "Immunisation Card", "COVID-19 Vaccination Record Card")),
    )
    vaccines = [
        "Influenza",
        "Tdap",
        "MMR",
        "Hepatitis B",
        "COVID-19 (Pfizer)",
        "Varicella",
        "Pneumococcal",
    ]
    rows = [
        [
            v,
            printed_date(rng, 2015, 2025)[0],
            f"{rng.choice('ABEFK')}{rng.randint(1000, 99999)}",
            rng.choice(("Left arm", "Right arm")),
        ]
        for v in rng.sample(vaccines, 4)
    ]
    _rows(f, x, right, y, ["Vaccine", "Date", "Lot no.", "Site"], rows)
    return f.pen.finish(), dict(UNKNOWN)


Builder = Callable[..., tuple[bytes, dict[str, Any]]]
BUILDERS: dict[str, Builder] = {
    "neg_lab_report": lab_report,
    "neg_invoice": invoice,
    "neg_discharge_summary": discharge_summary,
    "neg_visit_note": visit_note,
    "neg_certificate": certificate,
    "neg_vaccination_card": vaccination_card,
}

__all__ = ["BUILDERS", "UNKNOWN"]
