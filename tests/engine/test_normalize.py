from __future__ import annotations

import pytest

from medxtract.understand.specs.schema import FieldSpec
from medxtract.understand.values import correct_drug, normalise


def spec(type_: str, **kw) -> FieldSpec:
    return FieldSpec(type=type_, labels=["X"], **kw)


@pytest.mark.parametrize(
    ("text", "order", "value", "flags"),
    [
        ("17/12/2020", "MDY", "2020-12-17", []),
        ("5/11/2022", "MDY", "2022-05-11", ["ambiguous_date"]),
        ("5/11/2022", "DMY", "2022-11-05", ["ambiguous_date"]),
        ("May 6 1972", "MDY", "1972-05-06", []),
        ("30 December 2020", "MDY", "2020-12-30", []),
        ("Dec 30, 2020", "DMY", "2020-12-30", []),
        ("2020-12-17", "DMY", "2020-12-17", []),
        ("4/4/2021", "MDY", "2021-04-04", []),
        ("N/A", "MDY", None, []),
        ("1O/12/2O21", "DMY", "2021-12-10", ["ambiguous_date"]),
    ],
)
def test_dates(text, order, value, flags):
    assert normalise([text], spec("date"), order) == (value, flags)


def test_date_without_year_is_invalid():
    assert normalise(["May 6"], spec("date"), "MDY") == (None, ["invalid"])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("(737) 988-0851", "(737) 988-0851"),
        ("737.988.0851", "(737) 988-0851"),
        ("(000)-111-2222", "(000) 111-2222"),
        ("Phone (99O) 375-4621", "(990) 375-4621"),
        ("", None),
    ],
)
def test_phones(text, value):
    assert normalise([text], spec("phone"), "MDY")[0] == value


@pytest.mark.parametrize(
    ("text", "value"), [("Yes", True), ("No", False), ("Ves", True), ("N/A", None)]
)
def test_bools(text, value):
    assert normalise([text], spec("bool"), "MDY")[0] is value


def test_choice_prefers_the_longer_phrase_when_present():
    s = spec("choice", choices=["IMMUNE", "NOT IMMUNE"])
    assert normalise(["NOT IMMUNE"], s, "MDY")[0] == "NOT IMMUNE"
    assert normalise(["IMMUNE"], s, "MDY")[0] == "IMMUNE"
    assert normalise(["IMMUNF"], s, "MDY")[0] == "IMMUNE"


def test_int_and_number():
    assert normalise(["_2_ times"], spec("int"), "MDY")[0] == 2
    assert normalise(["1O"], spec("int"), "MDY")[0] == 10
    assert normalise(["95 kg"], spec("number"), "MDY")[0] == 95
    assert normalise(["72.5"], spec("number"), "MDY")[0] == 72.5


def test_address_joins_lines_and_drops_trailing_commas():
    value, _ = normalise(
        ["9264 Ash Dr,", "New York City, 10005", "United States"], spec("address"), "MDY"
    )
    assert value == "9264 Ash Dr, New York City, 10005, United States"


def test_text_reads_a_lone_bar_as_one():
    assert normalise(["take | tablet"], spec("text"), "MDY")[0] == "take 1 tablet"


def test_medicines_split_and_correct_near_misses():
    value, flags = normalise(
        ["Predmsone 20 mq", "Lialda 2.4 gram", "Zorblatex 5 mg"], spec("medicines"), "MDY"
    )
    assert value == [
        {"name": "Prednisone", "strength": "20 mg"},
        {"name": "Lialda", "strength": "2.4 gram"},
        {"name": "Zorblatex", "strength": "5 mg"},  # not in the lexicon: kept as read
    ]
    assert "corrected" in flags


def test_medicine_strengths_in_percent_and_meq_and_a_one_read_as_a_bar():
    value, _ = normalise(
        ["Triamcinolone 0.1 %", "Potassium Chloride 20 mEq", "Lorazepam | mg", "Folic Acid l mg"],
        spec("medicines"),
        "MDY",
    )
    assert value == [
        {"name": "Triamcinolone", "strength": "0.1 %"},
        {"name": "Potassium Chloride", "strength": "20 mEq"},
        {"name": "Lorazepam", "strength": "1 mg"},
        {"name": "Folic Acid", "strength": "1 mg"},
    ]


def test_drug_correction_never_invents_a_distant_drug():
    assert correct_drug("Aspirin") == "Aspirin"
    assert correct_drug("Water") == "Water"


def test_names_recover_a_capital_i_read_as_l():
    assert normalise(["Dmitri lvanova"], spec("name"), "MDY")[0] == "Dmitri Ivanova"
    assert normalise(["lngrid Olsen"], spec("name"), "MDY")[0] == "Ingrid Olsen"
    # A real "l" before a vowel, or inside a word, stays.
    assert normalise(["Lola lee Allen"], spec("name"), "MDY")[0] == "Lola lee Allen"


def test_address_place_read_as_pi():
    value, _ = normalise(["79 Birch PI, Denver"], spec("address"), "MDY")
    assert value == "79 Birch Pl, Denver"
    assert normalise(["PI Industries Ave 3"], spec("address"), "MDY")[0] == "PI Industries Ave 3"


def test_int_reads_a_lone_thin_one():
    assert normalise(["i"], spec("int"), "MDY") == (1, [])
    assert normalise(["l times"], spec("int"), "MDY") == (1, [])
    assert normalise(["times"], spec("int"), "MDY") == (None, ["invalid"])
    assert normalise(["3"], spec("int"), "MDY") == (3, [])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("146 MILL LANE, BRISTOL, BS8 ITH", "146 MILL LANE, BRISTOL, BS8 1TH"),
        ("6212I Meadow Ln", "62121 Meadow Ln"),
        ("12 Oak St, Flat 3", "12 Oak St, Flat 3"),
        # A written house number run into its street; a pen stroke read as an apostrophe.
        ("11295Chestnut St, MANCHES'TER", "11295 Chestnut St, MANCHESTER"),
        ("12A O'Brien Court, St John's Wood", "12A O'Brien Court, St John's Wood"),
    ],
)
def test_address_digits_read_as_letters(text, value):
    assert normalise([text], spec("address"), "MDY") == (value, [])


def test_strength_keeps_its_per_volume_part():
    value, _ = normalise(["Factive 100 units/ml", "Amoxicillin 250 mg / 5 ml"], spec("medicines"),
                         "MDY")
    assert [m["strength"] for m in value] == ["100 units/ml", "250 mg/5ml"]


def test_a_line_opening_with_an_imperative_is_a_new_direction():
    s = spec("text", join=" ", max_lines=4, item_starts=["take", "use"])
    lines = ["Use three tablets at night for", "three months", "Take 2 at night"]
    assert normalise(lines, s, "MDY") == (
        "Use three tablets at night for three months; Take 2 at night", [])


def test_dates_are_no_address_and_a_number_label_is_no_name():
    from medxtract.understand.typing import address_plausibility, name_plausibility

    assert address_plausibility("Nov 8 2021, 07/27/2024") < 0.5
    assert address_plausibility("8 November 2021") < 0.5
    assert address_plausibility("14 Augusta Close, Leeds") > 0.8
    assert address_plausibility("St. Anne's Hospital") < 0.5
    assert name_plausibility("Lot no.") < 0.5
    assert name_plausibility("Kathy Petrov") > 0.8


def test_an_amount_alone_is_a_poor_free_text_value():
    from medxtract.understand.specs import load_specs
    from medxtract.understand.structure import Region, phrases_of
    from medxtract.understand.typing import type_value

    from .conftest import make_page

    spec = load_specs()["prescription"].fields["directions"]
    amount, words = (Region([p.toks], "below") for p in phrases_of(
        make_page([[("25 mcg", 40)], [("Dissolve two sachets at night", 40)]])))
    plausible = [type_value(spec, r, "MDY").plausibility for r in (amount, words)]
    assert plausible[0] < plausible[1]


def test_a_ringed_number_in_a_printed_row_is_the_answer():
    from medxtract.understand.values import to_int

    assert to_int(["0 1 2 ③ PRN"], None, "MDY") == (3, [])
    assert to_int(["❷"], None, "MDY") == (2, [])
    assert to_int(["0 1 2 3 PRN"], None, "MDY")[0] is None  # no ring read: no answer


def test_an_address_gets_back_the_space_a_reader_dropped_after_a_comma():
    from medxtract.understand.values import to_address

    assert to_address(["2 Lakeview Blvd, Columbus, Ohio,43268"], None, "MDY")[0] == (
        "2 Lakeview Blvd, Columbus, Ohio, 43268"
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("918 Forest Hills Dr, Atlanta, Georqia, 30375",
         "918 Forest Hills Dr, Atlanta, Georgia, 30375"),
        ("6 Lincoln Ave, Austin, Téxas, 78787", "6 Lincoln Ave, Austin, Texas, 78787"),
        ("2270 Park Ave, Newark, Nec Jersey, 07102", "2270 Park Ave, Newark, New Jersey, 07102"),
        ("Flat 11B, 22 Gandhi Bazaar, Hyderabad, Télangana 500018",
         "Flat 11B, 22 Gandhi Bazaar, Hyderabad, Telangana 500018"),
        # Towns, streets and a region read right stay as they are.
        ("12 Maine Rd, Dallas, Kansas City", "12 Maine Rd, Dallas, Kansas City"),
        ("Calfornia Way, Salem, Oregon 97301", "Calfornia Way, Salem, Oregon 97301"),
    ],
)
def test_an_addresss_state_or_province_read_with_a_slip_is_spelled_as_listed(text, value):
    from medxtract.understand.values import to_address

    assert to_address([text], None, "MDY")[0] == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("2810812018", "2018-08-28"), ("0810/1944", "1944-10-08"), ("Oct 3 (985", "1985-10-03"),
     ("Mar 21, |999", "1999-03-21")],
)
def test_a_written_dates_lost_slashes_and_a_years_bracketed_one_are_put_back(text, value):
    from medxtract.understand.values import to_date

    assert to_date([text], None, "DMY")[0] == value


def test_numbers_that_cannot_be_a_date_stay_no_date():
    from medxtract.understand.values import to_date

    assert to_date(["12345678901"], None, "DMY")[0] is None
    assert to_date(["1234/5678"], None, "DMY")[0] is None


def test_a_count_run_into_its_unit_gets_its_space_back():
    value, _ = normalise(["1-0-0 S/C 10DAYS, 1cap at night"], spec("text"), "MDY")
    assert value == "1-0-0 S/C 10 DAYS, 1 cap at night"
    assert normalise(["5mg on the 2nd day"], spec("text"), "MDY")[0] == "5mg on the 2nd day"
