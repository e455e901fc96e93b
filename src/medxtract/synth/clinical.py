"""Drugs, strengths, directions and history answers for synthetic forms."""

from __future__ import annotations

import random
from collections.abc import Set
from functools import cache
from pathlib import Path

# Strengths that fit particular drugs; any other drug gets a generic tablet strength.
_SPECIAL = {
    "Lialda": ["1.2 gram", "2.4 gram"],
    "Mesalamine": ["1.2 gram", "2.4 gram", "800 mg"],
    "Levothyroxine": ["25 mcg", "50 mcg", "100 mcg"],
    "Synthroid": ["50 mcg", "75 mcg", "100 mcg"],
    "Fluticasone": ["50 mcg", "110 mcg"],
    "Albuterol": ["90 mcg", "2.5 mg"],
    "Insulin Glargine": ["10 ml", "3 ml"],
    "Amoxicillin": ["500 mg", "250 mg", "5 ml"],
    "Clonazepam": ["0.5 mg", "1 mg"],
    "Alprazolam": ["0.25 mg", "0.5 mg"],
    "Lorazepam": ["0.5 mg", "1 mg"],
    "Folic Acid": ["1 mg", "400 mcg"],
    "Potassium Chloride": ["10 ml", "20 mEq"],
    "Mupirocin": ["2 %"],
    "Triamcinolone": ["0.1 %", "40 mg"],
    "Digoxin": ["0.125 mg", "0.25 mg"],
    "Paracetamol": ["500 mg", "1 gram"],
    "Metformin": ["500 mg", "850 mg", "1000 mg"],
}
_GENERIC = [
    "5 mg",
    "10 mg",
    "20 mg",
    "25 mg",
    "40 mg",
    "50 mg",
    "100 mg",
    "200 mg",
    "250 mg",
    "500 mg",
    "0.5 mg",
    "2.5 mg",
    "75 mg",
    "150 mg",
]

_DIRECTIONS = [
    "Take {n} tablet by mouth {freq} for {dur}",
    "{drug} - take {n} pill {freq} for {dur}",
    "Use {nw} tablets {freq} for {dur}",
    "{drug}, take {n} tablet {freq} with food",
    "{drug}: {n} capsule {freq}, finish the full course",
    "Take {n} tablet at bedtime as needed for sleep",
    "{drug}, taper {step} every {k} days, finish in {dur}",
    "Take {n} tablet {freq}. Do not crush or chew",
    "Apply a thin layer to the affected area {freq}",
    "{drug} - {n} tablet {freq} before meals",
]
_FREQ = [
    "once daily",
    "twice daily",
    "three times a day",
    "every morning",
    "everyday",
    "every 8 hours",
    "every 12 hours",
    "at night",
]
_DUR = [
    "7 days",
    "10 days",
    "2 weeks",
    "2.5 weeks",
    "1 month",
    "3 months",
    "three months",
    "30 days",
    "6 weeks",
]
_WORDS = ["one", "two", "three"]

PROBLEMS = [
    "Migraine",
    "Asthma",
    "Seizures",
    "Headaches",
    "Type 2 diabetes",
    "Hypertension",
    "Asthma, seasonal headaches",
    "High cholesterol",
    "Hypothyroidism",
    "Arthritis",
    "Chronic back pain",
    "Anxiety",
    "Eczema",
    "Sleep apnea",
]
ALLERGIES = [
    "Peanuts",
    "Penicillin",
    "Shellfish",
    "Latex",
    "Pollen",
    "Dust mites",
    "Sulfa drugs",
    "Bee stings",
    "Eggs",
    "Penicillin, peanuts",
    "Cats",
]
REGULAR_MEDS = [
    "Triptans",
    "Metformin",
    "Lisinopril",
    "Inhaler as needed",
    "Levothyroxine",
    "Vitamin D",
    "Atorvastatin",
    "Ibuprofen as needed",
    "Metformin and Lisinopril",
    "Birth control pill",
    "Sertraline",
]


@cache
def drug_names() -> tuple[str, ...]:
    # The lexicon directory is plain package data (no __init__), so read it by path.
    lex = Path(__file__).parent.parent / "understand" / "lexicon" / "drugs.txt"
    text = lex.read_text("utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def medicines(rng: random.Random, count: int) -> list[dict[str, str]]:
    names = rng.sample(drug_names(), count)
    return [{"name": n, "strength": rng.choice(_SPECIAL.get(n, _GENERIC))} for n in names]


def direction(rng: random.Random, drug: str) -> str:
    return rng.choice(_DIRECTIONS).format(
        drug=drug,
        n=rng.randint(1, 2),
        nw=rng.choice(_WORDS),
        freq=rng.choice(_FREQ),
        dur=rng.choice(_DUR),
        step=rng.choice(["5 mg", "10 mg", "2.5 mg"]),
        k=rng.randint(2, 7),
    )


# --- medicines for the form families -------------------------------------------------

# Real drugs that are NOT in the lexicon, so a finder must also go by a medicine line's shape.
UNLISTED = (
    "Semaglutide",
    "Tirzepatide",
    "Empagliflozin",
    "Dapagliflozin",
    "Ticagrelor",
    "Edoxaban",
    "Vortioxetine",
    "Lurasidone",
    "Cariprazine",
    "Suvorexant",
    "Rimegepant",
    "Finerenone",
    "Tofacitinib",
    "Apremilast",
    "Alogliptin",
    "Ivabradine",
    "Mirabegron",
    "Roflumilast",
    "Baricitinib",
    "Upadacitinib",
    "Brexpiprazole",
    "Sacubitril",
)
# (strength, printed form) by unit; forms go on the page, not into the truth.
_STRENGTHS = [
    (
        [
            "5 mg",
            "10 mg",
            "20 mg",
            "25 mg",
            "40 mg",
            "50 mg",
            "100 mg",
            "250 mg",
            "500 mg",
            "2.5 mg",
            "0.5 mg",
            "150 mg",
            "1000 mg",
        ],
        ["tab", "tab", "cap", "tablet", "capsule"],
    ),
    (["25 mcg", "50 mcg", "100 mcg", "200 mcg"], ["tab", "inhaler", "tablet"]),
    (["1 g", "2 g", "0.5 g"], ["tab", "sachet", "vial"]),
    (["5 ml", "10 ml", "125 mg/5 ml", "250 mg/5 ml"], ["syrup", "suspension", "oral solution"]),
    (["1 %", "0.1 %", "2 %", "0.05 %"], ["cream", "ointment", "gel"]),
    (["1000 IU", "400 IU", "50000 IU"], ["cap", "tab", "drops"]),
    (["10 units", "20 units", "100 units/ml"], ["pen", "injection", "vial"]),
    (["20 mEq", "10 mEq", "8 mEq"], ["tab", "ER tab", "oral solution"]),
]
_STRENGTH_WEIGHTS = [10, 2, 1, 2, 1.5, 1, 1, 1]


def medicine(rng: random.Random, exclude: Set[str] = frozenset()) -> dict[str, str]:
    """{name, strength, form}: a lexicon drug (most) or an unlisted one."""
    while True:
        name = rng.choice(UNLISTED) if rng.random() < 0.2 else rng.choice(drug_names())
        if name not in exclude:
            break
    if name in _SPECIAL and rng.random() < 0.6:
        return {"name": name, "strength": rng.choice(_SPECIAL[name]), "form": "tab"}
    strengths, forms = rng.choices(_STRENGTHS, _STRENGTH_WEIGHTS)[0]
    return {"name": name, "strength": rng.choice(strengths), "form": rng.choice(forms)}


def medicine_list(rng: random.Random, count: int) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for _ in range(count):
        out.append(medicine(rng, {m["name"] for m in out}))
    return out


def print_strength(rng: random.Random, strength: str) -> str:
    """As written: "500 mg", "500mg" (the truth compares strengths without spaces)."""
    return strength.replace(" ", "") if rng.random() < 0.3 else strength


_SIGS = [
    "Take {n} {form} by mouth {freq}",
    "{n} {form} {freq} for {dur}",
    "Take {n} {form} {freq} after food",
    "{n} {form} orally {freq} x {dur}",
    "Take {n} {form} {freq} as needed for pain",
    "Apply to affected area {freq}",
    "Inhale {n} puffs {freq}",
    "Inject {u} units subcutaneously {freq}",
    "{n} {form} at night",
    "Take {n} {form} {freq}, avoid alcohol",
    "{n} {form} {freq} until finished",
    "Dissolve {n} sachet in water {freq}",
]


def sig(rng: random.Random) -> str:
    """One directions line ("sig") without the drug name."""
    return rng.choice(_SIGS).format(
        n=rng.choice(("1", "2", "one", "two", "1/2")),
        form=rng.choice(("tablet", "tab", "capsule", "tablets", "dose")),
        freq=rng.choice(_FREQ + ["BID", "TID", "QID", "PRN", "q6h", "OD", "at bedtime"]),
        dur=rng.choice(_DUR),
        u=rng.randint(4, 40),
    )
