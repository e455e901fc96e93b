"""Structure finding and label meaning on laid-out words (no OCR): layouts and wordings the
sample templates never had."""

from __future__ import annotations

import pytest

from medxtract.document import Document
from medxtract.understand.classify import classify
from medxtract.understand.fields import extract_fields
from medxtract.understand.finder import Finder
from medxtract.understand.labels import Vocabulary, label_tokens, tokens
from medxtract.understand.specs import load_specs

from .conftest import fields_of, make_page


@pytest.mark.parametrize(
    "label",
    ["Name of patient:", "Pt. name:", "Member name:", "Patient full name:", "Name of client:",
     "PATIENT NAME", "Name:"],
)
def test_patient_name_labels_by_meaning(label):
    f = fields_of([[(label, 40), ("Ann Lee", 400)]], "patient_details")
    assert f["patient_name"].value == "Ann Lee"
    assert f["patient_name"].label_bbox is not None


def test_label_words_order_free_with_stems_slips_and_abbreviations():
    vocab = Vocabulary(["date of birth", "policy number", "measles"])
    assert vocab.score(tokens("Birth date")) == 1.0
    assert vocab.score(tokens("Policy No.")) == 1.0  # "No." is "number"
    assert vocab.score(tokens("Measies")) > 0.8  # an OCR slip
    assert vocab.score(label_tokens("Date of birth (dd/mm/yy)")) == 1.0
    assert vocab.score(tokens("Insurance company name")) < 0.82


def test_a_name_under_an_emergency_heading_is_the_contacts():
    rows = [
        [("Patient details", 40)],
        [("Name:", 40), ("Ann Lee", 300)],
        [("Phone:", 40), ("555-123-4567", 300)],
        [("Next of kin", 40)],
        [("Name:", 40), ("Bob Lee", 300)],
        [("Phone:", 40), ("555-765-4321", 300)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["patient_name"].value == "Ann Lee"
    assert f["emergency_contact_name"].value == "Bob Lee"
    assert f["phone"].value == "(555) 123-4567"
    assert f["emergency_contact_home_phone"].value == "(555) 765-4321"


def test_labels_of_no_field_keep_their_values():
    rows = [
        [("MRN:", 40), ("4471002", 200), ("Fax:", 500), ("555-000-1111", 600)],
        [("Consultant:", 40), ("Dr Grey", 260)],
        [("Name:", 40), ("Ann Lee", 200), ("Email:", 500), ("ann@example.com", 600)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["patient_name"].value == "Ann Lee"
    assert f["phone"].value is None  # the fax number is not the patient's phone
    assert f["policy_number"].value is None


def test_value_below_its_label_and_caption_under_its_value():
    rows = [
        [("DATE OF BIRTH", 40), ("TELEPHONE", 500)],
        [("04/05/1980", 40), ("555-222-3333", 500)],
        [],
        [("Ann Lee", 40)],
        [("Full name of patient", 40)],  # a caption printed under its value line
    ]
    f = fields_of(rows, "patient_details")
    assert f["birth_date"].value == "1980-04-05"
    assert f["phone"].value == "(555) 222-3333"
    assert f["patient_name"].value == "Ann Lee"


def test_one_value_goes_to_one_field():
    # "Date" could be the record date or the birth date: the better label wins each.
    rows = [[("Date of birth:", 40), ("01/02/1970", 300)], [("Date:", 40), ("03/04/2024", 300)]]
    f = fields_of(rows, "patient_details")
    assert f["birth_date"].value == "1970-01-02"
    assert f["record_date"].value == "2024-03-04"


def test_check_box_glyphs_and_bracket_boxes_give_the_answer():
    rows = [
        [("Hep B vaccinated?", 40), ("☐ Yes ☒ No", 500)],
        [("Measles:", 40), ("[ ] Immune [x] Not immune", 500)],
        [("Insured?", 40), ("☒ Yes ☐ No", 500)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["hepatitis_b_vaccinated"].value is False
    assert f["measles"].value == "NOT IMMUNE"
    assert f["has_insurance"].value is True


def test_both_answers_printed_and_none_marked_is_no_answer():
    f = fields_of([[("Hep B vaccinated?", 40), ("Yes No", 500)]], "patient_details")
    assert f["hepatitis_b_vaccinated"].value is None
    assert "ambiguous" in f["hepatitis_b_vaccinated"].flags


def test_split_name_and_address_boxes_are_put_together():
    rows = [
        [("Surname", 40), ("Lee", 300), ("Given names", 500), ("Ann", 760)],
        [("Street", 40), ("12 Oak Rd", 300)],
        [("City", 40), ("Leeds", 300), ("Postcode", 500), ("LS1 4AB", 760)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["patient_name"].value == "Ann Lee"
    assert f["address"].value == "12 Oak Rd, Leeds, LS1 4AB"


def test_a_label_that_prints_its_date_format_decides_day_and_month():
    rows = [[("Date of birth (dd/mm/yyyy):", 40), ("04/05/1980", 500)]]
    assert fields_of(rows, "patient_details")["birth_date"].value == "1980-05-04"


def test_medicine_table_with_wrapped_cells():
    rows = [
        [("Dr. Ada Lane, MD", 300)],
        [("Patient:", 40), ("Ann Lee", 200)],
        [("Drug", 40), ("Dose", 300), ("How to take", 500)],
        [("Amoxicillin", 40), ("500 mg", 300), ("one capsule three", 500)],
        [("times a day", 500)],
        [("Cardizem LA", 40), ("120 mg", 300), ("once daily", 500)],
    ]
    f = fields_of(rows, "prescription")
    assert f["medicines"].value == [
        {"name": "Amoxicillin", "strength": "500 mg"},
        {"name": "Cardizem LA", "strength": "120 mg"},
    ]
    assert f["directions"].value == "one capsule three times a day; once daily"
    assert len(f["medicines"].item_bboxes) == 2


@pytest.mark.parametrize("label", ["Prescribed by", "Signed by", "Ordered by"])
def test_a_label_may_end_in_by_before_the_doctor_it_names(label):
    rows = [[("Patient: Ann Lee", 40)], [("Lisinopril 10 mg", 60)],
            [(f"{label} Dr Noah Castillo, M.D", 40)]]
    assert fields_of(rows, "prescription")["prescriber_name"].value == "Dr Noah Castillo, M.D"


def test_a_dosage_column_holds_strengths_and_the_instructions_column_directions():
    # "Dosage" may label directions elsewhere; here its cells are amounts.
    rows = [
        [("Patient: Ann Lee", 40)],
        [("Medicine name", 40), ("Dosage", 300), ("Qty", 450), ("Instructions", 600)],
        [("Stromectol", 40), ("100mg", 300), ("30", 450), ("1 tab at night", 600)],
    ]
    f = fields_of(rows, "prescription")
    assert f["medicines"].value == [{"name": "Stromectol", "strength": "100 mg"}]
    assert f["directions"].value == "1 tab at night"


def test_a_wrapped_heads_note_is_no_label_and_a_salted_drug_no_name():
    from medxtract.understand.medicines import _header_cells
    from medxtract.understand.structure import find_spans, phrases_of
    from medxtract.understand.typing import name_plausibility

    finder = Finder(load_specs()["prescription"])
    page = make_page([[("name)", 40)], [("Strength/Form How to take", 40)]])
    note, heads = phrases_of(page)
    # "Medicine (approved" / "name)" wrapped over two lines: "name)" labels nothing.
    assert find_spans(note, finder.label_score, 0.8) == []
    # Heads a reader ran together split where each is a head, slash and all.
    assert [k for k, _ in _header_cells(heads, finder.vocab.columns)] == ["strength", "directions"]
    assert name_plausibility("Treprostinil Sodium") <= 0.2  # a drug with its salt


def test_numbered_medicines_each_with_its_sig_line():
    rows = [
        [("Name: Ann Lee", 40), ("Date: 05/06/2024", 600)],
        [("1. Tab. Metformin 500 mg", 60)],
        [("Sig: one tablet twice daily", 100)],
        [("2) Atorvastatin 20mg", 60)],
        [("Take one at night", 100)],
        [],
        [("Repeat x2", 40)],
    ]
    f = fields_of(rows, "prescription")
    assert f["medicines"].value == [
        {"name": "Metformin", "strength": "500 mg"},
        {"name": "Atorvastatin", "strength": "20 mg"},
    ]
    assert f["directions"].value == "one tablet twice daily; Take one at night"
    assert f["refills"].value == 2


def test_a_dosage_form_after_the_number_is_no_part_of_the_name():
    # An unlisted drug: the lexicon cannot say where its name starts.
    rows = [
        [("Name: Ann Lee", 40), ("Date: 05/06/2024", 600)],
        [("Rx", 40)],
        [("1 - Syrup. Zorbexamol 125 mg/5 ml", 60)],
        [("2) Cap. Quintravir 40 mg", 60)],
    ]
    f = fields_of(rows, "prescription")
    assert [m["name"] for m in f["medicines"].value] == ["Zorbexamol", "Quintravir"]


@pytest.mark.parametrize(
    ("text", "want"), [("Refills: 2", 2), ("Refills authorised: 3", 3), ("No. of refills: 0", 0)]
)
def test_refill_wordings(text, want):
    rows = [[("Patient: Ann Lee", 40)], [("Lisinopril 10 mg", 60)], [(text, 40)]]
    assert fields_of(rows, "prescription")["refills"].value == want


def test_a_row_of_printed_refill_choices_is_no_number():
    rows = [[("Patient: Ann Lee", 40)], [("Lisinopril 10 mg", 60)], [("Refills: 0 1 2 3 PRN", 40)]]
    refills = fields_of(rows, "prescription")["refills"]
    assert refills.value is None and "ambiguous" in refills.flags


def test_vitals_and_lab_values_are_not_medicines():
    rows = [
        [("Name: Ann Lee", 40)],
        [("O2Sat: 87%", 40), ("BP: 120/80", 400)],
        [("Hemoglobin 13.5 g/dL", 40)],
        [("Rx", 40)],
        [("Ramipril 5 mg", 60)],
    ]
    f = fields_of(rows, "prescription")
    assert f["medicines"].value == [{"name": "Ramipril", "strength": "5 mg"}]


def test_unlabelled_patient_block_under_its_heading_by_type_and_position():
    rows = [
        [("Patient Information", 40)],
        [("Ann Lee", 40)],
        [("555-123-4567", 40)],
        [("12 Oak Rd", 40)],
        [("Leeds LS1 4AB", 40)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["patient_name"].value == "Ann Lee"
    assert f["phone"].value == "(555) 123-4567"
    assert f["address"].value == "12 Oak Rd, Leeds LS1 4AB"


def test_letterhead_block_is_the_prescribers():
    rows = [
        [("Riverside Clinic", 40), ("Date: 05/06/2024", 600)],
        [("Dr. Ada Lane, MD", 40)],
        [("14 Mill St, York", 40)],
        [("Tel 01904 555 0101", 40)],
        [],
        [("Patient: Ann Lee", 40)],
        [("Rx", 40)],
        [("Lisinopril 10 mg", 60)],
    ]
    f = fields_of(rows, "prescription")
    assert f["prescriber_name"].value == "Dr. Ada Lane, MD"
    assert f["prescriber_address"].value == "14 Mill St, York"
    assert f["prescriber_phone"].value is not None
    assert f["patient_name"].value == "Ann Lee"


def _type_of(rows):
    doc = Document(pages=[make_page(rows)])
    name, conf, _found, _scores = classify(doc, load_specs(), "MDY", 0.5)
    return name


def test_near_miss_documents_are_unknown():
    lab = [
        [("LABORATORY REPORT", 40)],
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("DOB:", 40), ("01/02/1970", 300)],
        [("Hemoglobin 13.5 g/dL", 40)],
        [("Glucose 5.4 mmol/L", 40)],
    ]
    discharge = [
        [("DISCHARGE SUMMARY", 40)],
        [("Patient:", 40), ("Ann Lee", 300)],
        [("O2Sat: 87%", 40)],
        [("Discharged on Metformin 500 mg", 40)],
    ]
    assert _type_of(lab) == "unknown"
    assert _type_of(discharge) == "unknown"


@pytest.mark.parametrize("title", ["Immunisation Card", "Lab Results"])
def test_look_alike_titles_in_other_spellings_are_unknown(title):
    card = [
        [("Hillview Community Hospital", 40)],
        [("2533 Hillcrest Rd, Chicago, IL 60679", 40)],
        [(title, 40)],
        [("Patient:", 40), ("Adeyemi, Rohan", 200)],
        [("DOB:", 40), ("08/04/2008", 200)],
        [("Date:", 40), ("22 September 2019", 200)],
        [("Phone:", 40), ("(312) 555-0142", 200)],
        [("Address:", 40), ("14 Oak St, Chicago, IL 60601", 200)],
        [("Referred by:", 40), ("Dr Yuki Petrov", 200)],
        [("Influenza", 40), ("24 January 2021", 300), ("F93091", 600)],
    ]
    assert _type_of(card) == "unknown"


def test_a_patient_label_box_names_the_patient_with_no_label_of_its_own():
    rows = [
        [("Sunrise Clinic", 40)],
        [("Tel: (848) 628-5412", 40)],
        [("PRESCRIPTION", 40)],
        [("Affix patient label", 500)],
        [("Ingrid Doyle", 500)],
        [("MRN: 7331487", 500)],
        [("Rx", 40)],
        [("Lisinopril 10 mg", 60)],
        [("Refills: 2", 40)],
    ]
    assert fields_of(rows, "prescription")["patient_name"].value == "Ingrid Doyle"


def test_a_doctor_under_a_caption_of_no_field_is_not_the_prescriber():
    # Captions over their values; "UNDER DR" names the consultant, not who prescribes.
    rows = [
        [("Sunrise Clinic", 40)],
        [("9 Highland Ave, Miami, FL 33180", 40)],
        [("Discharge Prescription", 40)],
        [("FULL NAME", 40), ("HOSPITAL NO.", 500)],
        [("Rosa Lucas", 40), ("9330599", 500)],
        [("UNDER DR", 40), ("WARD", 500)],
        [("Dr Imani Crawford", 40), ("Oak Ward", 500)],
        [("Rx", 40)],
        [("Lisinopril 10 mg", 60)],
        [],
        [("Clinician", 40)],
        [("Dr Kwame Moreau", 40)],
    ]
    f = fields_of(rows, "prescription")
    assert f["patient_name"].value == "Rosa Lucas"
    assert f["prescriber_name"].value == "Dr Kwame Moreau"


def test_type_comes_from_fields_found_not_a_title():
    rx = [
        [("Dr. Ada Lane, MD", 300)],
        [("Patient: Ann Lee", 40), ("Date: 05/06/2024", 600)],
        [("Lisinopril 10 mg", 60)],
        [("Sig: one daily", 60)],
    ]
    assert _type_of(rx) == "prescription"
    blank = [[("Patient Registration Form", 40)], [("Name:", 40)], [("Date of birth:", 40)]]
    assert _type_of(blank) == "unknown"


def test_finder_explains_its_choice_without_values():
    doc = Document(pages=[make_page([[("Pt. name:", 40), ("Ann Lee", 300)]])])
    found = Finder(load_specs()["patient_details"]).find(doc)
    assert "Pt. name" in found["patient_name"].why and "Ann" not in found["patient_name"].why


def test_side_by_side_prescriber_and_patient_blocks_with_the_same_labels():
    # An e-prescription printout: two blocks, each with Name/Address/Phone.
    rows = [
        [("ELECTRONIC PRESCRIPTION", 40)],
        [("Prescriber", 40), ("Patient", 520)],
        [("Name: Dr. Jane Roe, MD", 40), ("Name: John Doe", 520)],
        [("Address: 1 Main St, Springfield", 40), ("Address: 5 Oak Ave, Shelbyville", 520)],
        [("Phone: (555) 111-2222", 40), ("DOB: 01/02/1960", 520)],
        [("Date written: 03/04/2024", 40)],
        [("Medication: Lisinopril 10 mg tablet", 40)],
        [("Sig: Take one tablet by mouth daily", 40)],
        [("Quantity: 30", 40), ("Refills: 2", 520)],
    ]
    f = fields_of(rows, "prescription")
    assert f["prescriber_name"].value == "Dr. Jane Roe, MD"
    assert f["prescriber_address"].value == "1 Main St, Springfield"
    assert f["prescriber_phone"].value == "(555) 111-2222"
    assert f["patient_name"].value == "John Doe"
    assert f["patient_address"].value == "5 Oak Ave, Shelbyville"
    assert f["date"].value == "2024-03-04"
    assert f["medicines"].value == [{"name": "Lisinopril", "strength": "10 mg"}]
    assert f["directions"].value == "Take one tablet by mouth daily"
    assert f["refills"].value == 2


def test_captions_under_their_value_lines_in_two_columns():
    rows = [
        [("Ann Lee", 40), ("04/05/1980", 520)],
        [("Patient name", 40), ("Date of birth", 520)],
        [("12 Oak Rd, Leeds", 40), ("0113 496 0000", 520)],
        [("Home address", 40), ("Telephone", 520)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["patient_name"].value == "Ann Lee"
    assert f["birth_date"].value == "1980-04-05"
    assert f["address"].value == "12 Oak Rd, Leeds"
    assert f["phone"].value is not None and "4960000" in f["phone"].value.replace(" ", "")


def test_an_e_prescription_printout_in_capitals_with_its_drug_after_a_label():
    rows = [
        [("Rx Date: 03/04/2024", 40)],
        [("Patient: DOE, JOHN", 40), ("DOB: 01/02/1960", 420), ("Sex: M", 700)],
        [("Address: 5 OAK AVE, SHELBYVILLE, IL 62565", 40)],
        [("Prescriber: JANE ROE MD", 40), ("NPI: 1234567890", 420)],
        [("Medication Prescribed: LISINOPRIL 10 MG TABLET", 40)],
        [("Quantity: 30", 40), ("Days Supply: 30", 300), ("Refills: 2", 600)],
        [("Directions: TAKE 1 TABLET BY MOUTH DAILY", 40)],
        [("Substitutions: Permitted", 40)],
    ]
    f = fields_of(rows, "prescription")
    assert [(m["name"].lower(), m["strength"]) for m in f["medicines"].value] == [
        ("lisinopril", "10 mg")
    ]
    assert f["patient_name"].value == "DOE, JOHN"
    assert f["prescriber_name"].value == "JANE ROE MD"
    assert f["refills"].value == 2
    assert f["date"].value == "2024-03-04"
    assert f["directions"].value == "TAKE 1 TABLET BY MOUTH DAILY"


def test_a_drug_and_its_strength_on_labelled_lines_of_their_own():
    rows = [
        [("Patient: Ann Lee", 40), ("Date: 05/06/2024", 600)],
        [("Drug name: Atorvastatin", 40)],
        [("Strength: 20 mg", 40), ("Form: tablet", 400)],
        [("Sig: Take one tablet at night", 40)],
        [("Drug name: Metformin", 40)],
        [("Strength: 500 mg", 40), ("Form: tablet", 400)],
    ]
    f = fields_of(rows, "prescription")
    assert f["medicines"].value == [
        {"name": "Atorvastatin", "strength": "20 mg"},
        {"name": "Metformin", "strength": "500 mg"},
    ]


def test_each_field_records_the_ocr_engine_that_read_it():
    page = make_page([[("Name:", 40), ("Ann Lee", 300)], [("Phone:", 40), ("555-123-4567", 300)]])
    for word in page.lines[1].words:
        word.engine = "rapidocr"  # the cascade re-read the name
    for word in page.lines[3].words:
        word.engine = "tesseract"
    f = extract_fields(Document(pages=[page]), load_specs()["patient_details"], "MDY")
    assert f["patient_name"].engine == "rapidocr"
    assert f["phone"].engine == "tesseract"


def test_a_number_sign_and_a_qualifier_belong_to_the_label():
    f = fields_of(
        [
            [("Patient name:", 40), ("Ann Lee", 400)],
            [("Policy #", 40), ("XK263977887", 400)],
            [("Tel (W)", 40), ("555-123-4567", 400)],
        ],
        "patient_details",
    )
    assert f["policy_number"].value == "XK263977887"
    assert label_tokens("Tel (H)") == ("tel", "home")
    assert label_tokens("Weight (kg)") == ("weight",)  # a unit is not a qualifier


def test_grid_row_cells_follow_a_sloping_row_and_the_grid_ends_at_its_last_row():
    # Column heads: the patient's and the emergency contact's; the right column sits a
    # little higher on each row (a skewed fax), and a two-column table follows the grid.
    def row(y, cells):
        return [(t, x, y - round(x / 35)) for t, x in cells]

    page = make_page([[]])
    from medxtract.document import Line, Word

    lines = []
    layout = [
        row(50, [("Patient", 250), ("Emergency contact", 600)]),
        row(110, [("Name", 40), ("Ann Lee", 250), ("Bob Lee", 600)]),
        row(170, [("Tel (H)", 40), ("555-123-4567", 250), ("555-765-4321", 600)]),
        row(290, [("Chicken pox", 40), ("[ ]", 410), ("Immune", 450), ("[x]", 560),
                  ("Not immune", 600)]),
    ]
    for cells in layout:
        for text, x, y in cells:
            words, pos = [], x
            for token in text.split():
                x1 = pos + 12 * len(token)
                words.append(Word(text=token, confidence=0.95,
                                  bbox=(pos / 1000, y / 1400, x1 / 1000, (y + 30) / 1400)))
                pos = x1 + 12
            lines.append(Line(words=words))
    page = page.model_copy(update={"lines": lines})
    f = extract_fields(Document(pages=[page]), load_specs()["patient_details"], "MDY")
    assert f["emergency_contact_home_phone"].value == "(555) 765-4321"
    assert f["phone"].value == "(555) 123-4567"
    assert f["chicken_pox"].value == "NOT IMMUNE"  # one phrase, not cut at the grid's column


def test_a_labels_note_does_not_stop_the_search_for_its_value_far_along_the_row():
    f = fields_of(
        [
            [("Patient name:", 40), ("Ann Lee", 400)],
            [("Varicella (chickenpox)", 40), ("Immune", 700), ("[ ]", 790), ("Not immune", 840),
             ("[x]", 980)],
        ],
        "patient_details",
    )
    assert f["chicken_pox"].value == "NOT IMMUNE"


def test_a_fax_transmit_line_is_nobodys_value():
    f = fields_of(
        [
            [("FROM: 555-201-3344 TO: Intake 20/07/2025 16:03", 10), ("PAGE 1/1", 800)],
            [("New patient form", 300), ("29/5/2018", 800)],
            [("Patient name:", 40), ("Ann Lee", 300)],
        ],
        "patient_details",
    )
    assert f["record_date"].value == "2018-05-29"


def test_a_transmit_line_misread_is_still_the_machines():
    # "FROH:" for FROM: a date and a time of day at the top edge are the fax machine's.
    f = fields_of(
        [
            [("DEC-01-2026 10:18 FROH: +1 555 0100 CLINIC", 10)],
            [("Patient Medical Record", 300)],
            [("Patient Information", 40)],
            [("Peter Garcia", 40)],
            [("9340 Oak St", 40)],
            [("New York City, NY 10007", 40)],
        ],
        "patient_details",
    )
    assert f["address"].value == "9340 Oak St, New York City, NY 10007"
    page = make_page([[("DEC-01-2026 10:18 FROH: +1 555 0100 CLINIC", 10)],
                      [("Patient Medical Record", 300)]])
    model = Finder(load_specs()["patient_details"]).build(Document(pages=[page]))[0]
    assert [p.text() for p in model.phrases] == ["Patient Medical Record"]


def test_sig_lines_under_a_take_as_follows_line_and_a_bar_read_for_one():
    f = fields_of(
        [
            [("Patient name:", 40), ("Ann Lee", 300), ("Date:", 600), ("2024-01-02", 700)],
            [("Rx", 40)],
            [("Digibind 150 mg", 120)],
            [("Take as follows:", 120)],
            [("Digibind - take | pill twice daily", 120)],
        ],
        "prescription",
    )
    assert f["directions"].value == "Digibind - take 1 pill twice daily"


def test_numbered_questions_and_a_tick_table_headed_by_its_options():
    f = fields_of(
        [
            [("A7. Employer", 40)],
            [("County School", 40)],
            [("A8. Current address", 40)],
            [("12 Oak St, Springfield", 40)],
            [("C. Insurance details", 40)],
            [("C3. Member ID", 40), ("C4. Group no.", 500)],
            [("XK10523139", 40), ("81014291", 500)],
            [("Are you immune to:", 40), ("Immune", 640), ("Not immune", 800)],
            [("Measles", 40), ("[ ]", 660), ("[X]", 820)],
        ],
        "patient_details",
    )
    assert f["policy_number"].value == "XK10523139"  # "member" does not make it the patient's
    assert f["address"].value == "12 Oak St, Springfield"  # a question is no section heading
    assert f["measles"].value == "NOT IMMUNE"


def test_directions_from_several_table_columns():
    f = fields_of(
        [
            [("Patient name:", 40), ("Ann Lee", 300), ("Date:", 600), ("2024-01-02", 700)],
            [("Medicine", 40), ("Dose", 400), ("Route", 520), ("Frequency", 640),
             ("Duration", 800)],
            [("Aloprim 100 mg", 40), ("1", 400), ("oral", 520), ("q8h", 640), ("28 days", 800)],
            [("Remodulin 5 ml", 40), ("2.5 ml", 400), ("p.o.", 520), ("nocte", 640),
             ("1 month", 800)],
        ],
        "prescription",
    )
    assert [m["name"] for m in f["medicines"].value] == ["Aloprim", "Remodulin"]
    assert f["directions"].value == "1 oral q8h 28 days; 2.5 ml p.o. nocte 1 month"


def test_a_tick_table_of_drawn_boxes_is_read_from_the_page_image():
    import cv2
    import numpy as np

    from medxtract.understand.fields import find
    from medxtract.understand.marks import MarkReader

    rows = [
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Have you had:", 40), ("Immune", 600), ("Not immune", 800)],
        [("Chicken pox", 40)],
        [("Measles", 40)],
    ]
    page = make_page(rows)
    image = np.full((1400, 1000), 255, np.uint8)
    # Drawn boxes under each head on rows 2 and 3 (y 170 and 230); ticks: Immune, Not immune.
    for y, ticked_x in ((170, 636), (230, 860)):
        for x in (636, 860):
            cv2.rectangle(image, (x - 12, y + 3), (x + 12, y + 27), 0, 2)
        cv2.line(image, (ticked_x - 10, y + 5), (ticked_x + 10, y + 25), 0, 3)
        cv2.line(image, (ticked_x + 10, y + 5), (ticked_x - 10, y + 25), 0, 3)
    marks = MarkReader(lambda n: image, {1: (1000, 1400)})
    found = find(Document(pages=[page]), load_specs()["patient_details"], "MDY", marks)
    assert found["chicken_pox"].value == "IMMUNE"
    assert found["measles"].value == "NOT IMMUNE"


def test_a_tick_table_head_read_with_a_slip_still_names_its_option():
    import cv2

    # The reader's "lmmune" heads the first column; the box under "Not immune" is ticked.
    rows = [
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Have you had:", 40), ("lmmune", 600), ("Not immune", 800)],
        [("Varicella", 40)],
    ]

    def draw(image):
        y = 170
        for x in (636, 860):
            cv2.rectangle(image, (x - 12, y + 3), (x + 12, y + 27), 0, 2)
        cv2.line(image, (850, y + 5), (870, y + 25), 0, 3)
        cv2.line(image, (870, y + 5), (850, y + 25), 0, 3)

    assert _found_with_image(rows, draw, "patient_details")["chicken_pox"].value == "NOT IMMUNE"


def _found_with_image(rows, draw, doc_type="prescription"):
    """The fields of laid-out words whose page image `draw` paints (marks, boxes, ink)."""
    import numpy as np

    from medxtract.understand.fields import find
    from medxtract.understand.marks import MarkReader

    image = np.full((1400, 1000), 255, np.uint8)
    draw(image)
    marks = MarkReader(lambda n: image, {1: (1000, 1400)})
    return find(Document(pages=[make_page(rows)]), load_specs()[doc_type], "MDY", marks)


def test_a_circled_refill_number_read_as_brackets_takes_its_place_in_the_row():
    # The ring garbled the "1" into "(4)"; the row counts 0, _, 2, 3, so it was a 1.
    rows = [[("Patient: Ann Lee", 40)], [("Lisinopril 10 mg", 60)],
            [("Refills:", 40), ("0", 300), ("(4)", 400), ("2", 500), ("3", 600), ("PRN", 700)]]
    assert _found_with_image(rows, lambda image: None)["refills"].value == 1


def test_drawn_boxes_along_a_row_pair_with_its_options_in_order():
    import cv2

    # A second reader's word boxes sit one option right of the printed ones: each box is
    # drawn 130 px left of its word, just left of the previous word's box.
    xs = (300, 400, 500, 600, 700)
    options = list(zip(("0", "1", "2", "3", "PRN"), xs, strict=True))
    rows = [[("Patient: Ann Lee", 40)], [("Lisinopril 10 mg", 60)], [("Refills:", 40), *options]]

    def draw(image):
        y = 170
        for i, x in enumerate(xs):
            bx = x - 130
            cv2.rectangle(image, (bx, y + 3), (bx + 24, y + 27), 0, 2)
            if i == 2:
                cv2.line(image, (bx + 2, y + 5), (bx + 22, y + 25), 0, 3)
                cv2.line(image, (bx + 22, y + 5), (bx + 2, y + 25), 0, 3)

    assert _found_with_image(rows, draw)["refills"].value == 2


def test_two_options_a_reader_ran_together_are_two_options_again():
    import cv2

    # A line reader lost the empty box between the options: "ImmuneNot immune".
    rows = [[("Patient name: Ann Lee", 40)], [("Chicken pox", 40), ("ImmuneNot immune", 440)]]

    def draw(image):
        y = 110
        for x in (400, 500):
            cv2.rectangle(image, (x, y + 3), (x + 24, y + 27), 0, 2)
        cv2.line(image, (402, y + 5), (422, y + 25), 0, 3)
        cv2.line(image, (422, y + 5), (402, y + 25), 0, 3)

    assert _found_with_image(rows, draw, "patient_details")["chicken_pox"].value == "IMMUNE"


@pytest.mark.parametrize("cells", [
    # A box's side read as a bar: "{ |" empty, "[|X]" ticked.
    [("{ | Immune", 440), ("[|X] Not immune", 600)],
    # The first box unread: the ticked one sits by the option after it, not before.
    [("Immune", 440), ("[x] Not immune", 560)],
])
def test_boxes_read_in_odd_shapes_tick_the_option_they_stand_by(cells):
    rows = [[("Patient name: Ann Lee", 40)], [("Measles", 40), *cells]]
    assert fields_of(rows, "patient_details")["measles"].value == "NOT IMMUNE"


def test_an_address_opening_with_its_house_number_word_is_whole():
    # "House No." opens the value, after a label without a colon and under a letterhead.
    rows = [
        [("Rosa Yamamoto, M.D.", 40)],
        [("House No. 860, 22 Gandhi Bazaar", 40)],
        [("Chennai, Tamil Nadu 600023", 40)],
        [("Office phone 476-200-7973", 40)],
        [],
        [("Patient name Ann Lee", 40)],
        [("Address of patient House No. 802, 79 Gandhi Bazaar,", 40)],
        [("Mumbai, Maharashtra 400051", 268)],
        [("Rx", 40)],
        [("Lisinopril 10 mg", 60)],
    ]
    f = fields_of(rows, "prescription")
    assert f["prescriber_address"].value == (
        "House No. 860, 22 Gandhi Bazaar, Chennai, Tamil Nadu 600023")
    assert f["patient_address"].value == (
        "House No. 802, 79 Gandhi Bazaar, Mumbai, Maharashtra 400051")


def test_a_caption_beside_a_field_caption_is_no_heading():
    # "EMPLOYER" captions its cell like "CONTACT NAME" beside it; it heads no part.
    rows = [
        [("PATIENT DETAILS", 40)],
        [("FULL NAME", 40)],
        [("Chidi Robinson", 40)],
        [("EMERGENCY CONTACT DETAILS", 40)],
        [("CONTACT NAME", 40), ("EMPLOYER", 500)],
        [("Sofia Begum", 40), ("County School", 500)],
        [("PHONE (WORK)", 40)],
        [("(856) 366-7237", 40)],
    ]
    page = make_page(rows)
    for line in page.lines:  # a fax set the right-hand caption a little lower
        if line.text == "EMPLOYER":
            line.words = [w.model_copy(update={"bbox": (w.bbox[0], w.bbox[1] + 0.012, w.bbox[2],
                                                        w.bbox[3] + 0.012)}) for w in line.words]
    doc = Document(pages=[page])
    model = Finder(load_specs()["patient_details"]).build(doc)[0]
    assert [h.phrase.text() for h in model.headings] == [
        "PATIENT DETAILS", "EMERGENCY CONTACT DETAILS"]
    f = extract_fields(doc, load_specs()["patient_details"], "MDY")
    assert f["patient_name"].value == "Chidi Robinson"
    assert f["emergency_contact_name"].value == "Sofia Begum"
    assert f["emergency_contact_work_phone"].value is not None


def test_answers_printed_to_circle_head_no_part():
    # "Spouse" and "Parent" are answers to the question above, not the guardian's part.
    rows = [
        [("INSURANCE DETAILS", 40)],
        [("(16) Insurance company name:", 40)],
        [("United Meadow Insurance", 40)],
        [("(20) Patient's relationship to policy holder:", 40)],
        [("Self", 40), ("Spouse", 160), ("Parent", 300), ("Other", 440)],
        [("(21) Company address:", 40)],
        [("5833 Oak St, Portland, Oregon, 97239", 40)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["insurance_address"].value == "5833 Oak St, Portland, Oregon, 97239"


def test_a_row_the_reader_broke_into_two_lines_is_one_label_again():
    # "HAVE YOU HAD THE" and the rest read as two lines a word space apart (a tilted photo).
    rows = [
        [("Patient name: Ann Lee", 40)],
        [("HAVE YOU HAD THE", 40), ("HEPATITIS B VACCINATION?", 244)],
        [("[ ] Yes [X] No", 40)],
    ]
    assert fields_of(rows, "patient_details")["hepatitis_b_vaccinated"].value is False


def test_boxes_read_with_their_state_before_each_option_stand_over_the_image():
    import cv2

    # "[x] Immune [ ] Not immune" printed in brackets: a fax speck fills the empty one.
    rows = [[("Patient name: Ann Lee", 40)],
            [("Chicken pox", 40), ("[x] Immune [ ] Not immune", 440)]]

    def draw(image):
        y = 110
        cv2.rectangle(image, (446, y + 3), (470, y + 27), 0, 2)
        cv2.rectangle(image, (574, y + 3), (598, y + 27), 0, -1)

    assert _found_with_image(rows, draw, "patient_details")["chicken_pox"].value == "IMMUNE"


@pytest.mark.parametrize("phone_line", ["Appointments: (718) 517-3304", "Contact +44 20 7221 5758"])
def test_a_letterhead_address_stops_at_its_phone_line(phone_line):
    rows = [
        [("Dr Peter Garcia, M.D", 300)],
        [("46 FC Road", 300)],
        [("Kochi, Kerala 682029", 300)],
        [(phone_line, 300)],
        [],
        [("Patient: Ann Lee", 40)],
        [("Rx", 40)],
        [("Lisinopril 10 mg", 60)],
    ]
    f = fields_of(rows, "prescription")
    assert f["prescriber_address"].value == "46 FC Road, Kochi, Kerala 682029"
    assert f["prescriber_phone"].value is not None


def test_a_box_read_as_a_stray_bracket_is_an_empty_box():
    rows = [[("Patient name: Ann Lee", 40)], [("Covered by insurance? [X] Yes } No", 40)]]
    assert fields_of(rows, "patient_details")["has_insurance"].value is True


def test_a_row_of_options_with_box_debris_is_no_company_and_co_is_company():
    rows = [
        [("Patient name: Ann Lee", 40)],
        [("Health insurance", 40)],
        [("Are you insured? Yes □ No", 40)],
        [("Insurance co.: BlueRiver Health", 40)],
    ]
    assert fields_of(rows, "patient_details")["insurance_company"].value == "BlueRiver Health"


def test_a_label_may_name_its_fields_type_and_parts():
    rows = [
        [("Patient Name: Ann Lee", 40)],
        [("Address with PIN code: 12 Lake Road, Kochi", 40)],
        [("Next of kin", 40)],
        [("Name of next of kin Jack Novak", 40)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["emergency_contact_name"].value == "Jack Novak"
    assert f["address"].value == "12 Lake Road, Kochi"


def test_a_sig_in_capitals_wraps_onto_a_line_in_capitals():
    rows = [
        [("Patient: Ann Lee", 40)],
        [("Rx", 40)],
        [("MIRCERA 20 MEQ ER TAB", 80)],
        [("DOSE & DURATION TAKE ONE TABLET THREE", 80)],
        [("TIMES A DAY AS NEEDED FOR PAIN", 80)],
    ]
    f = fields_of(rows, "prescription")
    assert f["directions"].value == "TAKE ONE TABLET THREE TIMES A DAY AS NEEDED FOR PAIN"


def test_box_junk_beside_boxes_read_as_boxes_is_an_empty_box_and_no_gap():
    rows = [
        [("Patient name: Ann Lee", 40)],
        [("General Medical History", 40)],
        [("Varicella [X] Immune { ] Not immune", 40)],
        [("Hep B vaccination [ } Yes [X] No", 40)],
        [("Chronic ilinesses Asthma", 40)],
        [("Body ht 189 cm", 40)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["chicken_pox"].value == "IMMUNE"
    assert f["hepatitis_b_vaccinated"].value is False
    assert f["medical_problems"].value == "Asthma"
    assert f["height"].value == 189


def test_a_table_rows_wrapped_cells_continue_their_own_columns():
    rows = [
        [("Patient: Ann Lee", 40)],
        [("Date", 40), ("Prescribed", 200), ("Strength", 480), ("Route", 600), ("Frequency", 720)],
        [("20/03/2021", 40), ("Colesevelam (oral solution)", 200), ("125 mg/5", 480),
         ("Oral", 600), ("Every", 720)],
        [("ml", 480), ("morning", 720)],
        [("20/03/2021", 40), ("Alomide (tablet)", 200), ("25mg", 480), ("By", 600),
         ("1-0-0", 720)],
        [("mouth", 600)],
    ]
    f = fields_of(rows, "prescription")
    assert [(m["name"], m["strength"]) for m in f["medicines"].value] == [
        ("Colesevelam", "125 mg/5ml"), ("Alomide", "25 mg")]
    assert f["directions"].value == "Oral Every morning; By mouth 1-0-0"


def test_boxed_options_below_a_label_run_on_past_its_edge_and_person_to_inform_heads():
    rows = [
        [("NAME IN FULL", 40)],
        [("BRUNO MENON", 40)],
        [("PERSON TO INFORM", 40)],
        [("PERSON TO NOTIFY", 40)],
        [("CARLOS MENON", 40)],
        [("CURRENT MEDS", 40), ("CHICKENPOX", 500)],
        [("Triptans", 40), ("☐ Immune", 500), ("☒ Not immune", 640)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["chicken_pox"].value == "NOT IMMUNE"
    assert f["emergency_contact_name"].value == "CARLOS MENON"
    assert f["patient_name"].value == "BRUNO MENON"


def test_a_medicine_table_header_with_words_no_column_knows():
    rows = [
        [("Patient: Ann Lee", 40)],
        [("Medication", 40), ("Strength per Freq. Rte Course Reason Preseriber", 300)],
        [("Ziprasidone", 40), ("5ml", 300), ("1-0-1", 456), ("Oral", 528), ("3 days", 576),
         ("DM2", 660), ("BB", 744)],
        [("ILOPROST", 40), ("Sml", 300), ("QDS", 456), ("p.o.", 528), ("28 days", 576),
         ("Pain", 660), ("JD", 744)],
    ]
    f = fields_of(rows, "prescription")
    assert [(m["name"].lower(), m["strength"]) for m in f["medicines"].value] == [
        ("ziprasidone", "5 ml"), ("iloprost", "5 ml")]
    assert f["directions"].value == "1-0-1 Oral 3 days; QDS p.o. 28 days"


def test_a_consultant_under_the_patient_block_does_not_make_it_the_prescribers():
    rows = [
        [("St. Anne's Hospital", 300)],
        [("129 Kings Road, Norwich, NR2 4PD", 300)],
        [("Contact no: (416)-361-9911", 300)],
        [("Prescription", 40)],
        [("Name:", 40), ("Rossi, Elena", 200)],
        [("Ward/Clinic", 40), ("Ward 4", 200)],
        [("Address:", 40), ("Flat 1B, 35 Gandhi Bazaar, Hyderabad", 200)],
        [("UHID", 40), ("9985079", 200), ("Under Dr Chloe Martin", 560)],
        [],
        [("Lisinopril 10 mg", 60)],
    ]
    f = fields_of(rows, "prescription")
    assert f["patient_name"].value == "Rossi, Elena"
    assert f["patient_address"].value == "Flat 1B, 35 Gandhi Bazaar, Hyderabad"
    assert f["prescriber_address"].value == "129 Kings Road, Norwich, NR2 4PD"


def test_a_patient_block_under_a_heading_no_vocabulary_knows_is_read_by_type():
    rows = [
        [("Medical Record Form", 40)],
        [("Registro personal", 40), ("Born:", 500)],
        [("Kathy Petrov", 40), ("31 December 1979", 500)],
        [("(440) 254-5168", 40)],
        [("7966 Forest Hills Dr", 40)],
        [("Buffalo, NY 14262", 40)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["patient_name"].value == "Kathy Petrov"
    assert f["phone"].value is not None
    assert f["address"].value == "7966 Forest Hills Dr, Buffalo, NY 14262"


def test_a_mark_printed_over_an_empty_box_ticks_it_and_an_ampersand_ends_no_label():
    rows = [
        [("Patient name: Ann Lee", 40)],
        [("VARICELLA", 40), ("CURRENT MEDICINES & DOSES", 500)],
        [("[ ] Immune [ ] ] XX Not immune", 40), ("Levothyroxine", 500)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["chicken_pox"].value == "NOT IMMUNE"
    assert f["regular_medications"].value == "Levothyroxine"


def test_a_medicine_column_head_with_a_bracketed_note_and_an_abbreviated_strength():
    rows = [
        [("Name in full: Thompson, Rosa", 40)],
        [("Medicine (approved name) Str.", 40), ("Directions", 560), ("Dispense", 900)],
        [("Cariprazine (tab)", 40), ("500 mg", 350), ("Take one tablet by mouth q6h", 560),
         ("30", 940)],
    ]
    f = fields_of(rows, "prescription")
    assert [(m["name"], m["strength"]) for m in f["medicines"].value] == [("Cariprazine", "500 mg")]
    assert f["directions"].value == "Take one tablet by mouth q6h"


def test_a_numbered_section_heading_scopes_its_fields_and_a_name_is_no_weight_label():
    rows = [
        [("SECTION 1 - PERSONAL DETAILS", 40)],
        [("1) Patient Name:", 40)],
        [("Wright, Fatima", 40)],
        [("SECTION 2 - NEXT OF KIN", 40)],
        [("9) Emergency contact name:", 40), ("11) Home ph:", 500)],
        [("Anika Patel", 40), ("0161 590 0962", 500)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["patient_name"].value == "Wright, Fatima"
    assert f["weight"].value is None
    assert f["emergency_contact_home_phone"].value is not None
    assert f["phone"].value is None


def test_an_amount_alone_is_no_directions_when_two_heads_tie():
    rows = [
        [("Full name: Walker, Elena", 40)],
        [("Medication name", 40), ("Dosage", 300), ("Directions", 560), ("Dispense", 900)],
        [("Ivabradine (tablet)", 40), ("25 mcg", 300), ("Dissolve two sachets at night", 560),
         ("28", 900)],
    ]
    f = fields_of(rows, "prescription")
    assert f["directions"].value == "Dissolve two sachets at night"
    assert [(m["name"], m["strength"]) for m in f["medicines"].value] == [("Ivabradine", "25 mcg")]


def test_a_tick_table_row_where_only_the_empty_box_was_read():
    import cv2

    rows = [
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Immunity", 40), ("Immune", 600), ("Not immune", 800)],
        [("Chicken pox", 40), ("□", 860)],
        [("Measles", 40), ("□", 860)],
    ]

    def draw(image):
        for y in (170, 230):  # both rows ticked under "Immune"; OCR kept only the empty boxes
            for x in (636, 860):
                cv2.rectangle(image, (x - 12, y + 3), (x + 12, y + 27), 0, 2)
            cv2.line(image, (626, y + 15), (634, y + 25), 0, 3)
            cv2.line(image, (634, y + 25), (648, y + 5), 0, 3)

    found = _found_with_image(rows, draw, "patient_details")
    assert found["chicken_pox"].value == "IMMUNE"
    assert found["measles"].value == "IMMUNE"


def test_a_tick_table_answered_with_a_written_x():
    rows = [
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Have you had:", 40), ("Immune", 600), ("Not immune", 800)],
        [("Chicken pox", 40), ("X", 630)],
        [("Measles", 40), ("X", 855)],
    ]

    def draw(image):
        image[175:195, 630:645] = 0  # the written crosses' ink, where the words say
        image[235:255, 855:870] = 0

    found = _found_with_image(rows, draw, "patient_details")
    assert found["chicken_pox"].value == "IMMUNE"
    assert found["measles"].value == "NOT IMMUNE"


def test_an_ampersand_inside_a_colon_label_and_a_run_of_choices_is_no_refill_count():
    rows = [
        [("Patient: Ann Lee", 40)],
        [("Rx", 40)],
        [("1. Lisinopril 10 mg", 60)],
        [("Dose & duration: one tablet daily x 2 weeks", 100)],
        [("Refills permitted: 0102030405", 40)],
    ]
    f = fields_of(rows, "prescription")
    assert f["directions"].value == "one tablet daily x 2 weeks"
    assert f["refills"].value is None


def test_box_junk_across_a_wide_gap_from_a_box_read_as_a_box_is_an_empty_box():
    from medxtract.document import Line, Word

    # One OCR line whose options sit far apart: the gap splits it, the "{" is still a box.
    page = make_page([[("Patient name: Ann Lee", 40)]])
    words = [("MMR", 40), ("-", 90), ("measles:", 110), ("[X]", 220), ("Immune", 260),
             ("{", 420), ("Not", 440), ("immune", 490)]
    page.lines.append(Line(words=[
        Word(text=t, confidence=0.95, bbox=(x / 1000, 110 / 1400, (x + 12 * len(t)) / 1000,
                                            140 / 1400)) for t, x in words]))
    found = extract_fields(Document(pages=[page]), load_specs()["patient_details"], "MDY")
    assert found["measles"].value == "IMMUNE"


def test_a_heading_ends_the_letterhead_block_and_a_stray_date_leaves_its_row_to_medicines():
    rows = [
        [("Northgate Health Centre", 330)],
        [("84 Station Road, York, YO10 5DD", 300)],
        [("Appointments 681-257-6732", 380)],
        [("Discharge Medications", 300)],
        [("ADDRESS", 300)],
        [("52 River Rd, Denver, Colorado, 80282", 300)],
        [],
        [("Start date", 60), ("Medicine name", 200), ("Strength", 440), ("Frequency", 600)],
        [("09/13/2025 Rebetol (sachet)", 60), ("2g", 440), ("q8h x 5 days", 600)],
    ]
    f = fields_of(rows, "prescription")
    assert f["patient_address"].value == "52 River Rd, Denver, Colorado, 80282"
    assert f["prescriber_address"].value == "84 Station Road, York, YO10 5DD"
    assert [(m["name"], m["strength"]) for m in f["medicines"].value] == [("Rebetol", "2 g")]


def test_a_generic_name_column_heads_the_medicines():
    rows = [
        [("Patient Name: LUCAS, George", 40)],
        [("Generic name", 40), ("Strength", 300), ("Dosage instructions", 520),
         ("Quantity to dispense", 830)],
        [("Lopressor (tablet)", 40), ("50 mg", 300), ("two tab twice daily", 520),
         ("7 days", 830)],
    ]
    f = fields_of(rows, "prescription")
    assert [(m["name"], m["strength"]) for m in f["medicines"].value] == [("Lopressor", "50 mg")]
    assert f["directions"].value == "two tab twice daily"


def test_a_value_under_a_label_the_vocabulary_only_partly_knows():
    rows = [
        [("Patient name: Ann Lee", 40)],
        [("Pre-existing conditions:", 40), ("Standing height:", 500)],
        [("Seizures", 40), ("193", 500)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["medical_problems"].value == "Seizures"
    assert f["height"].value == 193


def test_a_known_drug_whose_strength_is_the_next_cell_under_a_garbled_header():
    rows = [
        [("Pt. name ROHAN OKAFOR", 40)],
        [("edeaion", 40), ("Dose & form", 300), ("Instructions", 480), ("Quantity", 850)],
        [("Mellaril (tab)", 40), ("0.5 mg", 300), ("two capsules at bedtime", 480), ("14", 850)],
    ]
    f = fields_of(rows, "prescription")
    assert [(m["name"], m["strength"]) for m in f["medicines"].value] == [("Mellaril", "0.5 mg")]
    assert f["directions"].value == "two capsules at bedtime"


def test_a_lower_case_line_under_a_label_ends_the_label_and_heads_nothing():
    # "Relationship to / patient." wraps one label over two lines; "patient." opens no
    # patient section, so the member ID below stays in the insurance part.
    rows = [
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Section 3 - Insurance details", 40)],
        [("Relationship to", 40)],
        [("patient.", 40)],
        [("Member ID:", 40), ("MBR-554528709", 300)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["policy_number"].value == "MBR-554528709"


@pytest.mark.parametrize(
    ("label", "field"),
    [("Street, city, ZIP:", "address"), ("Surname, first name:", "patient_name")],
)
def test_a_label_listing_the_parts_of_a_value_names_the_whole_value(label, field):
    finder = Finder(load_specs()["patient_details"])
    assert finder._meaning(label_tokens(label))[0] == field
    # Parts without the first ("City, State, ZIP") stay parts, put together elsewhere.
    assert finder._meaning(label_tokens("City, State, ZIP"))[0] is None


def test_a_tick_table_on_a_speckled_fax_is_read_from_the_boxes_fill():
    import cv2
    import numpy as np

    from medxtract.understand.fields import find
    from medxtract.understand.marks import MarkReader

    rows = [
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Are you immune to:", 40), ("Immune", 600), ("Not i immune", 800)],  # a fax speck
        [("Chicken pox", 40)],
        [("Measles", 40)],
    ]
    page = make_page(rows)
    rng = np.random.default_rng(7)
    image = np.full((1400, 1000), 255, np.uint8)
    image[rng.random(image.shape) < 0.01] = 0  # specks
    for y, ticked_x in ((170, 636), (230, 860)):
        for x in (636, 860):
            cv2.rectangle(image, (x - 12, y + 3), (x + 12, y + 27), 0, 3)
        cv2.line(image, (ticked_x - 8, y + 7), (ticked_x + 8, y + 23), 0, 1)
        cv2.line(image, (ticked_x + 8, y + 7), (ticked_x - 8, y + 23), 0, 1)
    marks = MarkReader(lambda n: image, {1: (1000, 1400)})
    found = find(Document(pages=[page]), load_specs()["patient_details"], "MDY", marks)
    assert found["chicken_pox"].value == "IMMUNE"
    assert found["measles"].value == "NOT IMMUNE"


def test_a_heading_with_text_far_along_its_row_may_label_the_value_under_it():
    from medxtract.document import Line, Word

    # "Policy:" opens the insurance part and labels the number under it; "Denver, 80274",
    # far along and a little above its row, is the next column's.
    page = make_page([
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Insurer:", 40), ("Northstar Health", 300)],
        [("Policy:", 40)],
        [("XK-449210", 44)],
    ])
    y0, y1 = (50 + 60 * 2 - 15) / 1400, (50 + 60 * 2 + 15) / 1400
    far = [Word(text="Denver,", confidence=0.95, bbox=(0.70, y0, 0.784, y1)),
           Word(text="80274", confidence=0.95, bbox=(0.796, y0, 0.856, y1))]
    page = page.model_copy(update={"lines": [*page.lines, Line(words=far)]})
    f = extract_fields(Document(pages=[page]), load_specs()["patient_details"], "MDY")
    assert f["policy_number"].value == "XK-449210"


def test_a_member_number_under_an_insurance_heading_is_the_policy():
    rows = [
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Insurance details", 40)],
        [("Insurer:", 40), ("Northstar Health", 300)],
        [("Member ID no:", 40), ("7339206241", 300)],
    ]
    assert fields_of(rows, "patient_details")["policy_number"].value == "7339206241"


def test_labels_left_short_of_their_type_word_stay_other_labels_and_letterheads():
    # "Consultant" is a label of no field, not a short "consultant name"; "SURGERY" heads a
    # letterhead, it is no short "surgery tel".
    rows = [
        [("MAPLE GROVE SURGERY", 40)],
        [("68 Station Road, Brighton, BN1 3XE", 40)],
        [("Tel. no:", 40), ("0291 604 4830", 200)],
        [("Patient Name:", 40), ("Leila Nair", 300)],
        [("Date written:", 40), ("24/12/2021", 300)],
        [("Rx", 40)],
        [("Lurasidone 150 mg", 40)],
        [("Take two tab BID", 60)],
        [("Consultant:", 40), ("Dr Hugo Lindqvist", 300)],
    ]
    f = fields_of(rows, "prescription")
    assert f["prescriber_address"].value == "68 Station Road, Brighton, BN1 3XE"
    assert f["prescriber_name"].value != "Dr Hugo Lindqvist"


@pytest.mark.parametrize(
    ("row", "refills"),
    [([("No refills", 40)], 0), ([("No repeats", 40)], 0),
     ([("Refills:", 40), ("☐ 0 ☒ 1 ☐ 2 ☐ 3", 200)], 1),
     ([("Refills:", 40), ("[ ] 0 [ ] 1 [x] 2 [ ] 3", 200)], 2)],
)
def test_a_refill_count_from_a_label_that_answers_it_or_a_ticked_box(row, refills):
    rows = [[("Patient: Ann Lee", 40)], [("Rx", 40)], [("Amoxicillin 500 mg", 40)],
            [("Take one capsule three times daily", 60)], row]
    assert fields_of(rows, "prescription")["refills"].value == refills


def test_a_name_line_run_on_under_a_letterhead_is_the_patients():
    rows = [
        [("Dr Ada Lane, MD", 40)],
        [("12 High St, Leeds LS1 1AA", 40)],
        [("Name: Ann Lee", 40), ("Age: 45", 500)],
        [("Rx", 40)],
        [("Tab Atorvastatin 20 mg", 40), ("1-0-0", 500), ("x 30 days", 700)],
    ]
    f = fields_of(rows, "prescription")
    assert f["patient_name"].value == "Ann Lee"
    assert f["prescriber_name"].value == "Dr Ada Lane, MD"


def test_a_medicine_table_whose_dosage_and_instructions_heads_are_also_labels():
    rows = [
        [("City Clinic", 300)],
        [("Patient: Ann Lee", 40), ("Date: 01/02/2024", 600)],
        [("Medicine", 40), ("Dosage", 350), ("Instructions", 550)],
        [("Metformin", 40), ("500 mg", 350), ("twice daily with meals", 550)],
        [("Amlodipine", 40), ("5 mg", 350), ("once daily", 550)],
    ]
    f = fields_of(rows, "prescription")
    assert f["medicines"].value == [{"name": "Metformin", "strength": "500 mg"},
                                    {"name": "Amlodipine", "strength": "5 mg"}]
    assert f["directions"].value == "twice daily with meals; once daily"


def test_a_drug_and_its_strength_on_labelled_lines_with_their_values_in_cells():
    rows = [
        [("e-Prescription", 40)],
        [("Patient name:", 40), ("Ann Lee", 300)],
        [("Drug:", 40), ("Lisinopril", 300)],
        [("Strength:", 40), ("10 mg", 300)],
        [("Directions:", 40), ("Take one tablet daily", 300)],
        [("Refills:", 40), ("3", 300)],
    ]
    f = fields_of(rows, "prescription")
    assert f["medicines"].value == [{"name": "Lisinopril", "strength": "10 mg"}]
    assert f["refills"].value == 3


def test_a_part_of_the_form_named_alone_is_no_short_field_label():
    finder = Finder(load_specs()["prescription"])
    assert finder._meaning(label_tokens("Rx"))[0] is None  # not a short "Rx date"
    assert finder._meaning(label_tokens("Prescription"))[0] is None
    assert finder._meaning(label_tokens("Issued"))[0] == "date"


def test_a_yes_no_table_answered_with_written_crosses_needs_no_image():
    rows = [
        [("Name:", 40), ("Ann Lee", 200)],
        [("Have you had", 40), ("Yes", 600), ("No", 700)],
        [("Hepatitis B vaccine", 40), ("X", 605)],
        [("Do you have insurance", 40), ("X", 705)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["hepatitis_b_vaccinated"].value is True
    assert f["has_insurance"].value is False


def test_a_written_date_whose_slashes_were_lost_is_still_a_date():
    rows = [
        [("Patient name:", 40), ("Sara Park", 300)],
        [("Date of birth:", 40), ("0810/1944", 300)],
        [("Date:", 40), ("2810812018", 300)],
    ]
    f = fields_of(rows, "patient_details")
    assert f["record_date"].value == "2018-08-28"
    assert f["birth_date"].value == "1944-08-10"  # MDY, as the form's order says


def test_a_forms_title_is_nobodys_name():
    rows = [
        [("Patient Intake Form", 40)],
        [("About you", 40), ("DOB:", 500)],
        [("Sara Park", 40), ("08/10/1944", 500)],
        [("(555) 123-4567", 40)],
    ]
    assert fields_of(rows, "patient_details")["patient_name"].value == "Sara Park"


def test_directions_under_a_colon_label_no_vocabulary_knows():
    rows = [
        [("Patient: Ann Lee", 40)],
        [("Rx", 40)],
        [("Lisinopril 10 mg", 120)],
        [("Metformin 500 mg", 120)],
        [("Take it like so:", 120)],
        [("Lisinopril: one tablet every morning", 120)],
        [("Metformin: one tablet twice daily with food", 120)],
    ]
    f = fields_of(rows, "prescription")
    # (the samples' comparison drops ";" and the line breaks between directions)
    assert f["directions"].value.replace(";", "") == (
        "Lisinopril: one tablet every morning Metformin: one tablet twice daily with food")
