"""Structured values: the cases the issue found wrong with hand-written parsing."""

from __future__ import annotations

import pytest

from medxtract.understand.structured import structure


@pytest.mark.parametrize(
    ("text", "given", "family", "prefix", "suffix"),
    [
        ("Dr John Smith, M.D", ["John"], "Smith", ["Dr"], ["M.D"]),
        ("Smith, John", ["John"], "Smith", [], []),
        ("Mary Ann van der Berg", ["Mary", "Ann"], "van der Berg", [], []),
    ],
)
def test_names(text, given, family, prefix, suffix):
    parts = structure(text, "name")
    assert parts == {"text": text, "given": given, "family": family, "prefix": prefix,
                     "suffix": suffix}


@pytest.mark.parametrize(
    ("text", "context", "e164", "valid", "extension"),
    [
        ("+44 20 7946 0958", {}, "+442079460958", True, None),
        ("Tel 0044 20 7946 0958 ext 12", {}, "+442079460958", True, "12"),
        ("(000) 111-2222", {}, None, False, None),
        ("(212) 555-0147", {}, "+12125550147", True, None),
        # no country code: the region comes from the document's address, else the setting
        ("098765 43210", {"address": "2 Park St, Mumbai, India"}, "+919876543210", True, None),
        ("020 7946 0958", {"region": "GB"}, "+442079460958", True, None),
    ],
)
def test_phones(text, context, e164, valid, extension):
    parts = structure(text, "phone", context)
    assert (parts["e164"], parts["valid"], parts["extension"]) == (e164, valid, extension)
    assert parts["text"] == text
    assert ("invalid_phone" in parts.get("flags", [])) is (not valid)


def test_addresses():
    us = structure("123 Main St Apt 4, Springfield, IL 62704", "address")
    assert us == {"text": "123 Main St Apt 4, Springfield, IL 62704", "street": "123 Main St Apt 4",
                  "city": "Springfield", "state": "IL", "postal_code": "62704", "country": "US"}
    seed = structure("4789 Bollinger Rd, Jersey City, New Jersey, 07030", "address")
    assert (seed["street"], seed["city"], seed["state"], seed["postal_code"]) == (
        "4789 Bollinger Rd", "Jersey City", "New Jersey", "07030")
    uk = structure("10 Downing Street, London SW1A 2AA, UK", "address")
    assert (uk["street"], uk["city"], uk["postal_code"], uk["country"]) == (
        "10 Downing Street", "London", "SW1A 2AA", "GB")
    other = structure("2 cricket blvd, New Delhi", "address")
    assert (other["street"], other["city"]) == ("2 cricket blvd", "New Delhi")
    assert "country" not in other  # not told, so not guessed


@pytest.mark.parametrize(
    ("text", "date", "precision", "flags"),
    [
        ("2021-13-01", None, "day", ["impossible_date"]),  # never moved to 2021-01-13
        ("Feb 30, 2021", None, "day", ["impossible_date"]),
        ("May 2020", "2020-05", "month", ["partial_date"]),  # not 2020-05-01
        ("1998", "1998", "year", ["partial_date"]),
        ("5/11/2022", "2022-05-11", "day", []),
        ("13/01/2021", "2021-01-13", "day", []),  # only one order gives a date
        ("30 December 2020", "2020-12-30", "day", []),
    ],
)
def test_dates(text, date, precision, flags):
    parts = structure(text, "date", {"date_order": "MDY"})
    assert (parts["date"], parts["precision"], parts.get("flags", [])) == (date, precision, flags)


def test_date_uses_the_printed_text_and_other_types_have_no_parts():
    parts = structure("2021-01-13", "date", {"raw": "2021-13-01"})
    assert parts["flags"] == ["impossible_date"]
    assert structure("x", "text") is None and structure(None, "name") is None
    assert structure([{"name": "a"}], "medicines") is None


def test_pipeline_fills_parts(seed_dir):
    import medxtract

    result = medxtract.extract(seed_dir / "pre_2.pdf")
    fields = result.fields
    assert fields["patient_name"].parts["family"] == "Kohli"
    assert fields["prescriber_phone"].parts["valid"] is False
    assert "invalid_phone" in fields["prescriber_phone"].flags
    assert fields["date"].parts["date"] == fields["date"].value
    assert fields["medicines"].parts is None
