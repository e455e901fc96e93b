"""Two-page "Patient Medical Record" form, modelled on samples/seed/pd_*.pdf.

Page 1: patient info, emergency contact, general medical history.
Page 2: insurance, allergies, regular medication.
"""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import clinical, people
from medxtract.synth.dates import DATE_FORMATS, printed_date
from medxtract.synth.kit import distractors
from medxtract.synth.manifest import Words
from medxtract.synth.pd_common import FIELDS
from medxtract.synth.style import Hand, Pen, TypedText, random_style

BIRTH_LABELS = ("Birth Date", "Date of Birth", "DOB")
WEIGHT_LABELS = ("Weight:", "Weight (kg):")
HEIGHT_LABELS = ("Height:", "Height (cm):")
HOME_PHONE_LABELS = ("Home phone", "Home Phone:")
WORK_PHONE_LABELS = ("Work phone", "Work Phone:")
POLICY_LABELS = ("Policy Number:", "Policy No:", "Policy #:")
EXPIRY_LABELS = ("Expiry Date:", "Expiration Date:", "Valid Until:")
COMPANY_LABELS = ("Name of Insurance Company:", "Insurance Company:")
HAS_INSURANCE_Q = ("Do you have medical insurance?", "Do you have health insurance?")
ALLERGY_Q = ("List any allergies:", "Allergies:")
MEDICATION_Q = (
    "List any medication taken regularly:",
    "Current medications:",
    "Regular medications:",
)
PROBLEMS_Q = (
    "List any Medical Problems (asthma, seizures, headaches):",
    "List any medical problems (asthma, seizures, headaches):",
)
HEP_B_Q = ("Have you had the Hepatitis B vaccination?", "Have you had the Hepatitis B vaccine?")


def _optional(rng: random.Random, choices: list[str]) -> tuple[str, str | None]:
    """A free-text answer, or "N/A"/blank about a quarter of the time (truth null)."""
    if rng.random() < 0.25:
        return rng.choice(("N/A", "N/A", "")), None
    v = rng.choice(choices)
    return v, v


def build(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """(pdf_bytes, truth); with `typed`, the values go there instead (see `Pen`). With
    `words`, labels and headings come from the wording bank."""
    st = random_style(rng)
    pen = Pen(st, typed, hand)

    def lab(key: str, own: tuple[str, ...], colon: str = ":") -> str:
        if not words:
            return rng.choice(own)
        w = words.pick(key)
        return w if w.endswith("?") else w + colon

    f: dict[str, Any] = {}
    # Left-column values are drawn first so the right column can start clear of them.
    last = rng.choice(people.LAST)
    f["patient_name"] = people.person_name(rng, last)
    f["phone"] = people.phone(rng)
    addr = people.address_lines(rng)
    f["address"] = ", ".join(addr)
    same_last = rng.random() < 0.6
    f["emergency_contact_name"] = people.person_name(rng, last if same_last else None)
    has = rng.random() < 0.85
    comp = people.company(rng) if has else rng.choice(("", "N/A"))
    left = [f["patient_name"], f["phone"], *addr, f["emergency_contact_name"], comp]
    x1 = st.margin_left
    x2 = max(st.col2_x, x1 + max(pen.value_width(v) for v in left) + rng.uniform(20, 40))
    right = st.width - st.margin_left * rng.uniform(0.6, 1.0)
    gap = st.line()  # one value line

    def label_value(x: float, y: float, label: str, value: str) -> float:
        """Label with its value underneath; returns the y below the pair."""
        pen.label(x, y, label)
        y -= st.line(st.label_size) * rng.uniform(1.0, 1.25)
        if value:
            pen.value(x + rng.uniform(0, 6), y, value)
        return y - gap * rng.uniform(1.2, 1.6)

    # --- page 1 -------------------------------------------------------------------
    y = st.height - st.margin_top
    rec_text, f["record_date"] = printed_date(rng, 2018, 2025)
    pen.value(right, y, rec_text, st.bold, st.value_size * 0.9, align="right")
    y -= st.heading_size * rng.uniform(1.6, 2.4)
    title = lab("pd_title", ("Patient Medical Record",), "")
    pen.text(x1 - rng.uniform(0, 10), y, title, st.heading_font, st.heading_size + 2)
    y -= st.heading_size * rng.uniform(1.3, 1.9)
    top = y

    pen.label(x1, y, lab("h_patient", ("Patient Information",), ""))
    y -= st.line(st.label_size)
    pen.value(x1, y, f["patient_name"])
    y -= gap * 1.4
    pen.value(x1, y, f["phone"])
    y -= gap * 1.4
    for line in addr:
        pen.value(x1, y, line)
        y -= gap
    left_bottom = y

    birth_text, f["birth_date"] = printed_date(rng, 1935, 2015, DATE_FORMATS)
    f["weight"] = str(rng.randint(45, 130))
    f["height"] = str(rng.randint(148, 202))
    y = top
    y = label_value(x2, y, lab("birth_date", BIRTH_LABELS), birth_text)
    y = label_value(x2, y, lab("weight", WEIGHT_LABELS), f["weight"])
    y = label_value(x2, y, lab("height", HEIGHT_LABELS), f["height"])
    y = min(y, left_bottom) - gap * rng.uniform(0.8, 1.8)

    # In Case of Emergency: name / home phone left, address / work phone right.
    y = _section(pen, rng, y, lab("h_emergency", ("In Case of Emergency",), ""), right)
    em_addr = addr if same_last and rng.random() < 0.5 else people.address_lines(rng)
    f["emergency_contact_address"] = ", ".join(em_addr)
    home = people.phone(rng) if rng.random() < 0.7 else None
    work = people.phone(rng) if rng.random() < 0.5 else None
    f["emergency_contact_home_phone"], f["emergency_contact_work_phone"] = home, work
    ry = y + gap * rng.uniform(0, 0.6)  # the address starts a little higher, as in the samples
    for line in em_addr:
        pen.value(x2, ry, line)
        ry -= gap
    ry -= gap * 0.5
    ly = y - gap * 0.3
    pen.value(x1, ly, f["emergency_contact_name"])
    ly -= gap * 1.6
    ly = label_value(x1, ly, lab("emergency_contact_home_phone", HOME_PHONE_LABELS), home or "")
    ry = label_value(x2, ry, lab("emergency_contact_work_phone", WORK_PHONE_LABELS), work or "")
    y = min(ly, ry) - gap * rng.uniform(0.3, 1.0)

    # General Medical History.
    y = _section(pen, rng, y, lab("h_history", ("General Medical History",), ""), right)
    f["chicken_pox"] = rng.choice(("IMMUNE", "IMMUNE", "NOT IMMUNE"))
    f["measles"] = rng.choice(("IMMUNE", "IMMUNE", "NOT IMMUNE"))
    ly = label_value(x1, y, lab("chicken_pox", ("Chicken Pox (Varicella):",)), f["chicken_pox"])
    ry = label_value(x2, y + gap * rng.uniform(0, 0.5), lab("measles", ("Measles:",)), f["measles"])
    y = min(ly, ry)
    f["hepatitis_b_vaccinated"] = rng.random() < 0.6
    y = label_value(
        x1,
        y,
        lab("hepatitis_b_vaccinated", HEP_B_Q),
        "Yes" if f["hepatitis_b_vaccinated"] else "No",
    )
    text, f["medical_problems"] = _optional(rng, clinical.PROBLEMS)
    label_value(x1, y, lab("medical_problems", PROBLEMS_Q), text)
    pen.new_page()

    # --- page 2 -------------------------------------------------------------------
    y = st.height - st.margin_top * rng.uniform(0.6, 1.2)
    pen.rule(x1 - 10, y, right, width=1.0)  # the section rule that runs over from page 1
    y -= gap * rng.uniform(1.6, 2.4)
    f["has_insurance"] = has
    if has:
        ins_addr = people.address_lines(rng, country_p=0.3)
        policy = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((8, 10, 10, 12))))
        exp_text, exp_truth = printed_date(rng, 2019, 2027)
    else:  # no insurance: the insurance boxes stay blank or say N/A
        ins_addr, policy, exp_text, exp_truth = [], comp, comp, None
    f["insurance_company"] = comp if has else None
    f["insurance_address"] = ", ".join(ins_addr) or None
    f["policy_number"] = policy if has else None
    f["insurance_expiry"] = exp_truth

    ly = label_value(x1, y, lab("insurance_company", COMPANY_LABELS), comp)
    ry = y - gap * rng.uniform(0.8, 1.3)
    for line in ins_addr:
        pen.value(x2, ry, line)
        ry -= gap
    ry -= gap * 0.6
    ly = label_value(x1, ly, lab("policy_number", POLICY_LABELS), policy)
    ry = label_value(x2, ry, lab("insurance_expiry", EXPIRY_LABELS), exp_text)
    y = min(ly, ry) - gap * rng.uniform(0, 0.8)
    y = label_value(x1, y, lab("has_insurance", HAS_INSURANCE_Q), "Yes" if has else "No")
    y -= gap * rng.uniform(0.2, 0.8)
    pen.text(
        x1,
        y,
        lab("h_insurance", ("Medical Insurance Details",), ""),
        st.heading_font,
        st.heading_size,
    )
    y -= st.heading_size * rng.uniform(1.4, 1.9)
    text, f["allergies"] = _optional(rng, clinical.ALLERGIES)
    y = label_value(x1, y, lab("allergies", ALLERGY_Q), text)
    text, f["regular_medications"] = _optional(rng, clinical.REGULAR_MEDS)
    y = label_value(x1, y, lab("regular_medications", MEDICATION_Q), text)
    # Fields no truth asks for (occupation, GP name ...); not on the seed-like forms.
    for dlabel, dvalue in distractors(rng, 2, "pd") if words else []:
        y = label_value(x1, y, dlabel + ":", dvalue)

    fields = {name: f[name] for name in FIELDS}  # the order the spec lists them
    return pen.finish(), {"document_type": "patient_details", "fields": fields}


def _section(pen: Pen, rng: random.Random, y: float, title: str, right: float) -> float:
    """Section heading with a rule beneath; returns the y for the first line below it."""
    st = pen.style
    size = st.heading_size * rng.uniform(0.75, 0.9)
    x = st.margin_left - rng.uniform(0, 8)
    pen.text(x, y, title, st.heading_font, size, gray=st.label_gray)
    y -= size * 0.5
    pen.rule(st.margin_left - 10, y, right, width=rng.uniform(0.6, 1.2))
    return y - st.line() * rng.uniform(1.5, 2.2)
