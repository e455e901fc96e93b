"""Synthetic form generator: families x variants, truth shape, truth/page agreement,
determinism, dev/held-out splits, negatives, font fallback, CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re

import numpy as np
import pypdfium2
import pytest
import typer
from PIL import Image

from medxtract.synth import KINDS, VARIANTS, generate, generate_one, manifest
from medxtract.synth.dates import date_truth
from medxtract.synth.pd_common import FIELDS as PD_FIELDS

DATE = (str, list)
NAME = (str, list)
OPT_STR = (str, type(None))
PRESCRIPTION_TYPES = {
    "prescriber_name": str,
    "prescriber_address": str,
    "prescriber_phone": str,
    "patient_name": NAME,
    "date": DATE,
    "patient_address": str,
    "medicines": list,
    "directions": (str, list),
    "refills": int,
}
PD_TYPES = {
    "record_date": DATE,
    "patient_name": NAME,
    "birth_date": DATE,
    "phone": str,
    "address": str,
    "weight": str,
    "height": str,
    "emergency_contact_name": NAME,
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
FORMS = [f for f, (k, _) in manifest.FAMILIES.items() if k in KINDS]
NEGATIVES = [f for f, (k, _) in manifest.FAMILIES.items() if k == "negative"]
DATE_FIELDS = ("date", "record_date", "birth_date", "insurance_expiry")
# Compared by meaning, not by words on the page (booleans, enums, ISO dates, refill counts).
NOT_WORDS = {
    *DATE_FIELDS,
    "refills",
    "hepatitis_b_vaccinated",
    "has_insurance",
    "chicken_pox",
    "measles",
}


def _kind(family: str) -> str:
    return manifest.FAMILIES[family][0]


def _pages(data: bytes) -> list[tuple[str, int]]:
    """(text layer, number of image objects) per page."""
    pdf = pypdfium2.PdfDocument(data)
    out = []
    for page in pdf:
        text = page.get_textpage().get_text_range()
        images = [o for o in page.get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]
        out.append((text, len(images)))
    pdf.close()
    return out


def _off_page_chars(data: bytes) -> int:
    """How many characters of the text layer lie outside their page."""
    pdf = pypdfium2.PdfDocument(data)
    off = 0
    for page in pdf:
        w, h = page.get_size()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(i)
            off += left < -1 or bottom < -1 or right > w + 1 or top > h + 1
    pdf.close()
    return off


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[.,;:()]", " ", s.casefold())).strip()


def _on_page(value: object, page: str) -> bool:
    """Every word of `value` (any one alternative of a list) is in the page text."""
    if value is None:
        return True
    if isinstance(value, list):
        return any(_on_page(v, page) for v in value)
    words = _norm(str(value)).split()
    return all(w in page for w in words)


def _check_iso(value: str | list[str]) -> None:
    for v in value if isinstance(value, list) else [value]:
        dt.date.fromisoformat(v)


@pytest.mark.parametrize("family", FORMS)
def test_truth_fields_types_and_page_agree(family: str) -> None:
    kind = _kind(family)
    types = TYPES[kind]
    for seed in range(6):
        data, truth = generate_one(kind, "clean", random.Random(seed), family=family)
        assert truth["document_type"] == kind
        assert truth["meta"]["family"] == family and truth["meta"]["kind"] == kind
        fields = truth["fields"]
        assert set(fields) <= set(types) and "patient_name" in fields, (seed, set(fields))
        for name, value in fields.items():
            assert isinstance(value, types[name]), (seed, name, value)
        for name in DATE_FIELDS:
            if fields.get(name) is not None:
                _check_iso(fields[name])
        assert _off_page_chars(data) == 0, seed
        raw = " ".join(t for t, _ in _pages(data))
        page, squeezed = _norm(raw), re.sub(r"\s+", "", raw.casefold())
        for name, value in fields.items():
            if name in NOT_WORDS:
                continue
            if name == "medicines":
                assert 1 <= len(value) <= 5
                for med in value:
                    assert set(med) == {"name", "strength"}
                    assert _on_page(med["name"], page), (seed, med)
                    assert med["strength"].replace(" ", "").casefold() in squeezed, (seed, med)
            elif "phone" in name:
                digits = re.sub(r"\D", "", page)
                assert value is None or re.sub(r"\D", "", value) in digits, (seed, name, value)
            else:
                assert _on_page(value, page), (seed, family, name, value)
        if kind == "prescription" and "refills" in fields:
            assert 0 <= fields["refills"] <= 5
        if kind == "patient_details":
            assert fields["chicken_pox"] in ("IMMUNE", "NOT IMMUNE")
            for measure in ("weight", "height"):  # not every form asks for them
                assert fields.get(measure, "0").isdigit()


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "clean"])
@pytest.mark.parametrize("family", FORMS)
def test_every_family_builds_in_every_variant(family: str, variant: str) -> None:
    kind = _kind(family)
    data, truth = generate_one(kind, variant, random.Random(f"{family}-{variant}"), family=family)
    assert truth["meta"]["variant"] == variant and truth["fields"]
    if variant == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        image = Image.open(io.BytesIO(data))
        assert image.format == "HEIF" and min(image.size) > 1000
        return
    pages = _pages(data)
    for text, images in pages:
        assert images == 1
        # Image-only pages, except the overlay whose values are a typed text layer.
        assert bool(text.strip()) == (variant == "overlay")


def test_fax_is_one_bit_with_a_transmit_header() -> None:
    data, _ = generate_one("prescription", "fax", random.Random(3), family="rx_clinic_pad")
    pdf = pypdfium2.PdfDocument(data)
    page = pdf[0]
    (image,) = [o for o in page.get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]
    assert image.get_metadata().bits_per_pixel == 1
    shown = page.render(scale=2).to_pil().convert("L")
    pdf.close()
    top = shown.crop((0, 0, shown.width, int(shown.height * 0.03)))
    assert np.asarray(top).min() < 100  # the FROM/TO/PAGE line is there


@pytest.mark.parametrize("variant", ["clean", "scan", "heic"])
def test_same_seed_same_bytes(variant: str) -> None:
    for family in FORMS if variant == "clean" else ["rx_us_card"]:
        a = generate_one(_kind(family), variant, random.Random(42), family=family)
        b = generate_one(_kind(family), variant, random.Random(42), family=family)
        assert a == b
        if variant == "clean":
            c = generate_one(_kind(family), variant, random.Random(43), family=family)
            assert a[1]["fields"] != c[1]["fields"]


def test_generate_is_deterministic_and_names_files(tmp_path) -> None:
    kw = {"seed": 3, "kinds": ("prescription",), "variants": ("clean", "heic")}
    first = generate(tmp_path / "a", 1, **kw)
    second = generate(tmp_path / "b", 1, **kw)
    assert [p.name for p in first] == [
        "prescription-clean-0000.pdf",
        "prescription-heic-0000.heic",
    ]
    for p, q in zip(first, second, strict=True):
        truth_p = p.with_name(p.stem + ".truth.json")
        truth_q = q.with_name(q.stem + ".truth.json")
        assert json.loads(truth_p.read_text()) == json.loads(truth_q.read_text())
        assert p.read_bytes() == q.read_bytes()


def test_splits_are_disjoint() -> None:
    for kind in (*KINDS, "negative"):
        dev, held = set(manifest.families(kind, "dev")), set(manifest.heldout_families(kind))
        assert dev and held and not dev & held
    for key, (dev_words, held_words) in manifest.WORDINGS.items():
        assert not set(dev_words) & set(held_words), key
        assert len(dev_words) + len(held_words) >= 8 or key in ("quantity", "strength")
    # The split a document records is derived from the wordings it really used.
    for i in range(12):
        for kind in KINDS:
            _, truth = generate_one(kind, "clean", random.Random(i), split="dev")
            meta = truth["meta"]
            assert meta["split"] == "dev" and not manifest.FAMILIES[meta["family"]][1]
            _, truth = generate_one(kind, "clean", random.Random(i), split="heldout")
            assert truth["meta"]["split"] == "heldout"
    with pytest.raises(ValueError, match="held out"):
        generate_one(
            "prescription", "clean", random.Random(0), family="rx_eprescription", split="dev"
        )


def test_dev_wordings_only_in_dev_mode() -> None:
    words = manifest.Words(random.Random(1), "dev")
    for _ in range(30):
        for key, (_dev, held) in manifest.WORDINGS.items():
            assert words.pick(key, split_ok=True) not in held
    assert not words.used_heldout


@pytest.mark.parametrize("family", NEGATIVES)
def test_negatives_have_empty_truth(family: str) -> None:
    data, truth = generate_one("negative", "clean", random.Random(5), family=family)
    assert truth["document_type"] == "unknown" and truth["fields"] == {}
    text = " ".join(t for t, _ in _pages(data))
    assert text.strip()  # a real page with printed words
    if family.startswith("blank_"):
        # The same draw filled in: none of its values is on the blank form.
        form = family.removeprefix("blank_")
        _, filled = generate_one(_kind(form), "clean", random.Random(5), family=form)
        name = filled["fields"]["patient_name"]
        for alt in name if isinstance(name, list) else [name]:
            assert alt.casefold() not in text.casefold()


def test_negatives_flag_mixes_them_in(tmp_path) -> None:
    paths = generate(
        tmp_path, 2, seed=1, kinds=("prescription",), variants=("clean",), negatives=True
    )
    kinds = [
        json.loads(p.with_name(p.stem + ".truth.json").read_text())["document_type"] for p in paths
    ]
    assert kinds == ["prescription", "prescription", "unknown", "unknown"]


def test_missing_fonts_fall_back_with_a_message(monkeypatch, tmp_path, caplog) -> None:
    from medxtract.synth import fonts

    monkeypatch.setattr(fonts, "_ROOT", tmp_path)  # no TrueType files at all
    for cached in (fonts.print_families, fonts.hand_faces, fonts.symbol_font):
        cached.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="medxtract.synth.fonts"):
            data, truth = generate_one(
                "patient_details", "handwriting", random.Random(2), family="pd_boxed_intake"
            )
        assert data[:4] == b"%PDF" and truth["fields"]
        assert "make synth-deps" in caplog.text
    finally:
        for cached in (fonts.print_families, fonts.hand_faces, fonts.symbol_font):
            cached.cache_clear()


@pytest.mark.parametrize("kind", KINDS)
def test_overlay_types_the_values_over_a_scanned_blank_form(kind: str) -> None:
    family = {"prescription": "rx_sample", "patient_details": "pd_sample"}[kind]
    data, truth = generate_one(kind, "overlay", random.Random(11), family=family)
    assert generate_one(kind, "overlay", random.Random(11), family=family) == (data, truth)
    pages = _pages(data)
    assert len(pages) == (1 if kind == "prescription" else 2)
    for text, images in pages:
        assert images == 1 and text.strip()  # a page image and typed text on every page
    layer = " ".join(t for t, _ in pages)
    fields = truth["fields"]
    assert fields["patient_name"] in layer
    if kind == "prescription":
        for med in fields["medicines"]:
            assert f"{med['name']} {med['strength']}" in layer
        assert fields["prescriber_name"] not in layer  # the pad's header stays in the pixels
    else:
        assert ("Yes" if fields["has_insurance"] else "No") in layer
    clean = generate_one(kind, "clean", random.Random(11), family=family)[1]
    assert {**clean["meta"], "variant": "overlay"} == truth["meta"]
    assert clean["fields"] == fields


def test_ambiguous_numeric_dates_list_both_readings() -> None:
    d = dt.date(2022, 11, 5)  # printed day-first as 5/11/2022
    assert date_truth(d, "dmy") == ["2022-05-11", "2022-11-05"]
    assert date_truth(dt.date(2022, 5, 11), "mdy") == ["2022-05-11", "2022-11-05"]
    assert date_truth(dt.date(2020, 12, 17), "dmy0") == "2020-12-17"
    assert date_truth(dt.date(2020, 4, 4), "dmy") == "2020-04-04"  # same either way


def test_sample_families_keep_every_field() -> None:
    _, truth = generate_one("patient_details", "clean", random.Random(0), family="pd_sample")
    assert list(truth["fields"]) == list(PD_FIELDS)
    _, truth = generate_one("prescription", "clean", random.Random(0), family="rx_sample")
    assert set(truth["fields"]) == set(PRESCRIPTION_TYPES)


def test_cli_command_writes_documents(tmp_path) -> None:
    from medxtract.cli.synth_cmd import synth

    synth(
        tmp_path,
        count=1,
        seed=0,
        kind=["prescription"],
        variant=["clean"],
        split="dev",
        family=None,
        negatives=False,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "prescription-clean-0000.pdf",
        "prescription-clean-0000.truth.json",
    ]
    meta = json.loads((tmp_path / "prescription-clean-0000.truth.json").read_text())["meta"]
    assert meta["split"] == "dev"
    with pytest.raises(typer.BadParameter, match="held out"):
        synth(
            tmp_path,
            count=1,
            seed=0,
            kind=None,
            variant=["clean"],
            split="dev",
            family="pd_captions_under",
            negatives=False,
        )
    with pytest.raises(typer.BadParameter, match="unknown split"):
        synth(
            tmp_path,
            count=1,
            seed=0,
            kind=None,
            variant=None,
            split="test",
            family=None,
            negatives=False,
        )


def test_seed_split_keeps_the_samples_layouts_and_wordings() -> None:
    from medxtract.synth.layout_prescription import NAME_LABELS

    for i in range(4):
        data, truth = generate_one("prescription", "clean", random.Random(i), split="seed")
        assert truth["meta"]["family"] == "rx_sample" and truth["meta"]["split"] == "seed"
        text = " ".join(t for t, _ in _pages(data))
        assert any(label in text for label in NAME_LABELS)
    _, truth = generate_one("negative", "clean", random.Random(0), split="seed")
    assert truth["meta"]["family"].removeprefix("blank_") in ("rx_sample", "pd_sample")
    with pytest.raises(ValueError, match="seed"):
        generate_one("prescription", "clean", random.Random(0), family="rx_us_card", split="seed")


def test_heldout_documents_do_not_see_the_later_dev_additions(monkeypatch) -> None:
    """Held-out generation is the same with and without the dev families and wordings
    added after the held-out set was fixed (manifest.DEV_ONLY, manifest.MORE_DEV)."""

    def held_docs() -> list[tuple[bytes, dict]]:
        docs = []
        for i in range(4):
            for kind in (*KINDS, "negative"):
                for split in ("heldout", "all"):
                    data, truth = generate_one(kind, "clean", random.Random(i), split=split)
                    if truth["meta"]["split"] == "heldout":
                        docs.append((data, truth))
        return docs

    now = held_docs()
    # A filtered copy (deleting in place would reorder the dict when the patch is undone).
    kept = {f: v for f, v in manifest.FAMILIES.items() if f not in manifest.DEV_ONLY}
    monkeypatch.setattr(manifest, "FAMILIES", kept)
    before = {k: (manifest.FIRST_DEV[k], held) for k, (_, held) in manifest.WORDINGS.items()}
    monkeypatch.setattr(manifest, "WORDINGS", before)
    assert held_docs() == now and len(now) >= 12
    # ... and the additions are really there for dev documents.
    monkeypatch.undo()
    for kind in KINDS:
        assert set(manifest.families(kind, "dev")) & manifest.DEV_ONLY
        assert not set(manifest.families(kind, "heldout")) & manifest.DEV_ONLY
    for key, more in manifest.MORE_DEV.items():
        assert set(more) <= set(manifest.WORDINGS[key][0])


def test_later_dev_wordings_are_new_and_unlike_held_out_ones() -> None:
    def norm(w: str) -> str:
        return _norm(re.sub(r"[/&|?'-]", " ", w))

    assert set(manifest.MORE_DEV) == set(manifest.WORDINGS)
    for key, more in manifest.MORE_DEV.items():
        first, held = manifest.FIRST_DEV[key], manifest.WORDINGS[key][1]
        assert len(more) >= 3, key
        assert not {norm(w) for w in more} & {norm(w) for w in (*first, *held)}, key


@pytest.mark.parametrize("family", sorted(manifest.DEV_ONLY - set(NEGATIVES)))
def test_new_families_overlay_types_what_the_clean_form_prints(family: str) -> None:
    kind = _kind(family)
    data, truth = generate_one(kind, "overlay", random.Random(7), family=family)
    clean = generate_one(kind, "clean", random.Random(7), family=family)[1]
    assert clean["fields"] == truth["fields"]  # the blank form draws the same values
    layer = " ".join(t for t, _ in _pages(data))
    name = truth["fields"]["patient_name"]
    assert any(_norm(n) in _norm(layer) for n in ([name] if isinstance(name, str) else name))


def test_hospital_chart_puts_the_prescriber_at_the_foot() -> None:
    for seed in range(8):
        data, truth = generate_one(
            "prescription", "clean", random.Random(seed), family="rx_hospital_chart"
        )
        pdf = pypdfium2.PdfDocument(data)
        page = pdf[0]
        height = page.get_size()[1]
        text = page.get_textpage()
        found = text.search(truth["fields"]["prescriber_name"].split()[-1], match_case=False)
        hits = []
        while (hit := found.get_next()) is not None:
            hits.append(text.get_charbox(hit[0])[1])
        pdf.close()
        # Printed at the foot (the header above only names the hospital and its address).
        assert hits and min(hits) < height / 3, seed
        # Each medicine's directions are its row's route, frequency and duration cells.
        dirs = truth["fields"]["directions"].split("; ")
        assert len(dirs) == len(truth["fields"]["medicines"]) and all(dirs), seed


def test_a_long_name_label_never_prints_the_name_over_the_date() -> None:
    # A long wording ("Patient name (surname, first name)") once pushed the name under the
    # date's label, and the page's text ran the two together.
    for seed in (166, 205, 262, 265, 292, 295, *range(6)):  # the first six collided
        data, truth = generate_one("prescription", "clean", random.Random(seed),
                                   family="rx_sample", split="dev")
        text = " ".join(t for t, _ in _pages(data))
        name = truth["fields"]["patient_name"]
        assert re.search(re.escape(name) + r"(\s|$)", text), (seed, name)
