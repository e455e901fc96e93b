"""Synthetic form generator: determinism, truth shape, text layers, image-only variants."""

from __future__ import annotations

import datetime as dt
import json
import random

import pypdfium2
import pytest

from medxtract.synth import KINDS, generate, generate_one
from medxtract.synth.dates import date_truth
from medxtract.synth.layout_patient_details import FIELDS as PD_FIELDS

DATE = (str, list)
OPT_STR = (str, type(None))
PRESCRIPTION_TYPES = {
    "prescriber_name": str,
    "prescriber_address": str,
    "prescriber_phone": str,
    "patient_name": str,
    "date": DATE,
    "patient_address": str,
    "medicines": list,
    "directions": str,
    "refills": int,
}
PD_TYPES = {
    "record_date": DATE,
    "patient_name": str,
    "birth_date": DATE,
    "phone": str,
    "address": str,
    "weight": str,
    "height": str,
    "emergency_contact_name": str,
    "emergency_contact_address": str,
    "emergency_contact_home_phone": OPT_STR,
    "emergency_contact_work_phone": OPT_STR,
    "chicken_pox": str,
    "measles": str,
    "hepatitis_b_vaccinated": bool,
    "medical_problems": OPT_STR,
    "has_insurance": bool,
    "insurance_company": OPT_STR,
    "policy_number": OPT_STR,
    "insurance_address": OPT_STR,
    "insurance_expiry": (str, list, type(None)),
    "allergies": OPT_STR,
    "regular_medications": OPT_STR,
}
TYPES = {"prescription": PRESCRIPTION_TYPES, "patient_details": PD_TYPES}


def _pages(pdf_bytes: bytes) -> list[tuple[str, int]]:
    """(text layer, number of image objects) per page."""
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    out = []
    for page in pdf:
        text = page.get_textpage().get_text_range()
        images = [o for o in page.get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]
        out.append((text, len(images)))
    pdf.close()
    return out


def _check_iso(value: str | list[str]) -> None:
    for v in value if isinstance(value, list) else [value]:
        dt.date.fromisoformat(v)


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_document(kind: str) -> None:
    a = generate_one(kind, "clean", random.Random(42))
    b = generate_one(kind, "clean", random.Random(42))
    c = generate_one(kind, "clean", random.Random(43))
    assert a == b
    assert a[1] != c[1]


def test_generate_is_deterministic(tmp_path) -> None:
    kw = {"seed": 3, "kinds": ("prescription",), "variants": ("clean", "scan")}
    first = generate(tmp_path / "a", 2, **kw)
    second = generate(tmp_path / "b", 2, **kw)
    assert [p.name for p in first] == [
        "prescription-clean-0000.pdf",
        "prescription-clean-0001.pdf",
        "prescription-scan-0000.pdf",
        "prescription-scan-0001.pdf",
    ]
    for p, q in zip(first, second, strict=True):
        truth_p = p.with_name(p.stem + ".truth.json")
        truth_q = q.with_name(q.stem + ".truth.json")
        assert json.loads(truth_p.read_text()) == json.loads(truth_q.read_text())
        assert p.read_bytes() == q.read_bytes()


@pytest.mark.parametrize("kind", KINDS)
def test_truth_fields_and_types(kind: str) -> None:
    types = TYPES[kind]
    for seed in range(25):
        _, truth = generate_one(kind, "clean", random.Random(seed))
        assert truth["document_type"] == kind
        fields = truth["fields"]
        assert set(fields) == set(types)
        for name, expected in types.items():
            assert isinstance(fields[name], expected), (seed, name, fields[name])
        for name in ("date", "record_date", "birth_date", "insurance_expiry"):
            if fields.get(name) is not None:
                _check_iso(fields[name])
        if kind == "prescription":
            assert 1 <= len(fields["medicines"]) <= 3
            assert all(set(m) == {"name", "strength"} for m in fields["medicines"])
            assert 0 <= fields["refills"] <= 5
        else:
            assert fields["weight"].isdigit() and fields["height"].isdigit()
            assert fields["chicken_pox"] in ("IMMUNE", "NOT IMMUNE")
    assert list(PD_TYPES) == list(PD_FIELDS)


@pytest.mark.parametrize("kind", KINDS)
def test_clean_pdf_has_text_layer(kind: str) -> None:
    pdf_bytes, truth = generate_one(kind, "clean", random.Random(7))
    pages = _pages(pdf_bytes)
    assert len(pages) == (1 if kind == "prescription" else 2)
    text = " ".join(t for t, _ in pages)
    assert truth["fields"]["patient_name"] in text


@pytest.mark.parametrize("variant", ["scan", "photo"])
@pytest.mark.parametrize("kind", KINDS)
def test_raster_variants_are_image_only(kind: str, variant: str) -> None:
    pdf_bytes, _ = generate_one(kind, variant, random.Random(11))
    pages = _pages(pdf_bytes)
    assert len(pages) == (1 if kind == "prescription" else 2)
    for text, images in pages:
        assert text.strip() == ""
        assert images == 1


@pytest.mark.parametrize("kind", KINDS)
def test_overlay_types_the_values_over_a_scanned_blank_form(kind: str) -> None:
    pdf_bytes, truth = generate_one(kind, "overlay", random.Random(11))
    assert generate_one(kind, "overlay", random.Random(11)) == (pdf_bytes, truth)
    pages = _pages(pdf_bytes)
    assert len(pages) == (1 if kind == "prescription" else 2)
    for text, images in pages:
        assert images == 1 and text.strip()  # a page image and typed text on every page
    layer = " ".join(t for t, _ in pages)
    fields = truth["fields"]
    assert fields["patient_name"] in layer
    if kind == "prescription":
        for med in fields["medicines"]:
            assert f"{med['name']} {med['strength']}" in layer
        # The pad's printed header and the labels stay in the pixels.
        assert fields["prescriber_name"] not in layer
        assert not any(label in layer for label in ("Name:", "Patient:", "Refill", "Sig:"))
    else:
        assert ("Yes" if fields["has_insurance"] else "No") in layer
        assert "Patient Medical Record" not in layer and "Measles" not in layer
    # The same document as a clean PDF: the overlay's truth is unchanged.
    assert generate_one(kind, "clean", random.Random(11))[1] == truth


def test_ambiguous_numeric_dates_list_both_readings() -> None:
    d = dt.date(2022, 11, 5)  # printed day-first as 5/11/2022
    assert date_truth(d, "dmy") == ["2022-05-11", "2022-11-05"]
    assert date_truth(dt.date(2022, 5, 11), "mdy") == ["2022-05-11", "2022-11-05"]
    assert date_truth(dt.date(2020, 12, 17), "dmy0") == "2020-12-17"
    assert date_truth(dt.date(2020, 4, 4), "dmy") == "2020-04-04"  # same either way
    assert date_truth(dt.date(2022, 11, 5), "d_month_y") == "2022-11-05"
    # Generated documents do produce list truths.
    dates = [
        generate_one("prescription", "clean", random.Random(s))[1]["fields"]["date"]
        for s in range(60)
    ]
    assert any(isinstance(d, list) and len(d) == 2 for d in dates)
    assert any(isinstance(d, str) for d in dates)


def test_cli_command_writes_documents(tmp_path) -> None:
    from medxtract.cli.synth_cmd import synth

    synth(tmp_path, count=1, seed=0, kind=["prescription"], variant=["clean"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "prescription-clean-0000.pdf",
        "prescription-clean-0000.truth.json",
    ]
