"""The field finder on laid-out words (no OCR): the sample templates' shapes."""

from __future__ import annotations

from medxtract.config import EngineSettings
from medxtract.document import Document
from medxtract.understand.fields import extract_fields
from medxtract.understand.specs import load_specs

from .conftest import make_page

SETTINGS = EngineSettings()


def fields_of(rows, doc_type):
    spec = load_specs()[doc_type]
    return extract_fields(Document(pages=[make_page(rows)]), spec, SETTINGS.date_order)


def test_prescription_layout_with_synonym_labels():
    rows = [
        [("Dr. Ada Lovelace, MD", 300)],
        [("12 Analytical Way,", 320)],
        [("London. Tel: (020)-555-0101", 300)],
        [("Patient Name: Charles Babbage", 40), ("Date of issue: 12/31/2023", 640)],
        [("Patient Address: 1 Engine Row, Cambridge", 40)],
        [("Rx", 40)],
        [("Metformn 500 mg", 120)],
        [("Lisinopril 10 mg", 120)],
        [("Sig:", 120)],
        [("Take one tablet daily", 120)],
        [("with food", 120)],
        [("Refills: 4", 700)],
    ]
    f = fields_of(rows, "prescription")
    assert f["prescriber_name"].value == "Dr. Ada Lovelace, MD"
    assert f["prescriber_address"].value == "12 Analytical Way, London"
    assert f["prescriber_phone"].value == "(020) 555-0101"
    assert f["patient_name"].value == "Charles Babbage"
    assert f["date"].value == "2023-12-31"
    assert f["patient_address"].value == "1 Engine Row, Cambridge"
    assert f["medicines"].value == [
        {"name": "Metformin", "strength": "500 mg"},
        {"name": "Lisinopril", "strength": "10 mg"},
    ]
    assert f["directions"].value == "Take one tablet daily with food"
    assert f["refills"].value == 4
    assert f["patient_name"].page == 1 and f["patient_name"].bbox is not None


def test_patient_details_columns_and_blanks():
    rows = [
        [("03/02/2021", 800)],
        [("Patient Medical Record", 40)],
        [("Patient Information", 40), ("Date of Birth", 520)],
        [("Ann Lee", 40), ("Jan 2 1990", 520)],
        [("555-123-4567", 40), ("Weight (kg):", 520)],
        [("1 Main St", 40), ("60", 520)],
        [("Springfield, 12345", 40), ("Height (cm):", 520)],
        [("170", 520)],
        [("In Case of Emergency", 40)],
        [("Bob Lee", 40), ("2 Main St", 520)],
        [("Home Phone:", 40), ("Springfield, 12345", 520)],
        [("Work Phone:", 520)],
        [("(555) 987-6543", 520)],
        [("General Medical History", 40)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["record_date"].value == "2021-03-02"
    assert "ambiguous_date" in f["record_date"].flags
    assert f["patient_name"].value == "Ann Lee"
    assert f["phone"].value == "(555) 123-4567"
    assert f["address"].value == "1 Main St, Springfield, 12345"
    assert f["birth_date"].value == "1990-01-02"
    assert f["weight"].value == 60 and f["height"].value == 170
    assert f["emergency_contact_name"].value == "Bob Lee"
    assert f["emergency_contact_address"].value == "2 Main St, Springfield, 12345"
    assert f["emergency_contact_home_phone"].value is None  # blank on the form
    assert f["emergency_contact_work_phone"].value == "(555) 987-6543"
    # Fields of page 2 are absent: no value, and flagged unless optional.
    assert f["has_insurance"].value is None and "label_not_found" in f["has_insurance"].flags


def test_label_words_inside_a_value_do_not_end_it():
    rows = [
        [("Name of Insurance Company:", 40)],
        [("Random Insurance Company", 40)],
        [("Policy #: 12345", 40)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["insurance_company"].value == "Random Insurance Company"
    assert f["policy_number"].value == "12345"


def test_ocr_slip_in_a_label_still_anchors():
    rows = [[("Patient Informatlon", 40)], [("Kim Park", 40)]]
    assert fields_of(rows, "patient_details")["patient_name"].value == "Kim Park"


def test_medicines_end_at_a_gap_when_the_directions_label_is_not_read():
    rows = [
        [("Patient Name: Ann Lee", 40)],
        [("Address: 1 Main St", 40)],
        [("Rx", 40)],
        [("Lorazepam 1 mg", 120)],
        [("Dabigatran 250 mg", 120)],
        [],  # where a faint "Sig:" was printed and OCR read nothing
        [],
        [("Take 2 tablets at bedtime", 120)],
        [("Refills: 1", 700)],
    ]
    f = fields_of(rows, "prescription")
    assert f["medicines"].value == [
        {"name": "Lorazepam", "strength": "1 mg"},
        {"name": "Dabigatran", "strength": "250 mg"},
    ]
    # Both names are in the lexicon and follow an Rx mark: no end label is needed.
    assert not f["medicines"].flags


def test_medicines_with_their_end_label_keep_full_confidence():
    rows = [
        [("Address: 1 Main St", 40)],
        [("Lorazepam 1 mg", 120)],
        [("Directions:", 120)],
        [("Take 1 tablet", 120)],
    ]
    medicines = fields_of(rows, "prescription")["medicines"]
    assert medicines.value == [{"name": "Lorazepam", "strength": "1 mg"}]
    # As sure as the same medicine with nothing after it (the calibrated figure itself is
    # the model's: what a lone medicine line is worth on dev documents).
    alone = fields_of(rows[:2], "prescription")["medicines"]
    assert alone.value == medicines.value and alone.confidence > 0
    assert not medicines.flags and medicines.confidence >= alone.confidence


def test_a_value_that_looks_like_a_short_label_is_still_a_value():
    # "High" is two letters short of the "Height" label: not an OCR slip of it.
    rows = [
        [("List any Medical Problems (asthma, seizures, headaches):", 40)],
        [("High cholesterol", 40)],
        [("Weight: 70", 40)],
        [("Heigth: 180", 40)],  # a real slip of "Height" still anchors
    ]
    f = fields_of(rows, "patient_details")
    assert f["medical_problems"].value == "High cholesterol"
    assert f["height"].value is not None


def test_prescriber_phone_split_by_ocr_and_a_d_o_header():
    rows = [
        [("Drs Yuki Mbeki, D.O.", 300)],  # "Dr." read as "Drs"
        [("6032 Washington St,", 320)],
        [("Seattle. Tel: (21 1)-275-8175", 300)],
        [("Name: Priya Baker", 40)],
    ]
    f = fields_of(rows, "prescription")
    assert f["prescriber_phone"].value == "(211) 275-8175"
    assert f["prescriber_address"].value == "6032 Washington St, Seattle"


def test_below_ignores_the_next_columns_line_even_when_it_sits_higher():
    rows = [
        [("Name of Insurance Company:", 40)],
        [("Pioneer Health Group", 50), ("1392 Birch Pl", 400)],
        [("Policy #: 12345", 40)],
    ]
    page = make_page(rows)
    # On a tilted scan the right column's line can sit a few pixels higher than the left's.
    for line in page.lines:
        if line.words[0].text == "1392":
            for w in line.words:
                x0, y0, x1, y1 = w.bbox
                w.bbox = (x0, y0 - 6 / 1400, x1, y1 - 6 / 1400)
    spec = load_specs()["patient_details"]
    f = extract_fields(Document(pages=[page]), spec, SETTINGS.date_order)
    assert f["insurance_company"].value == "Pioneer Health Group"
