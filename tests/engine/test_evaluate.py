from __future__ import annotations

import pytest

from medxtract.evaluate import EvalReport, field_types, values_equal


@pytest.mark.parametrize(
    ("field_type", "pred", "truth", "ok"),
    [
        ("name", "maria  sharapova.", "Maria Sharapova", True),
        ("name", "Maria", "Maria Sharapova", False),
        ("date", "2022-11-05", ["2022-05-11", "2022-11-05"], True),
        ("date", "2022-11-06", ["2022-05-11", "2022-11-05"], False),
        ("phone", "(000) 111-2222", "(000)-111-2222", True),
        ("int", 2, 2, True),
        ("number", 95, "95", True),
        ("bool", "yes", True, True),
        ("bool", False, True, False),
        ("text", None, None, True),
        ("text", "N/A", None, True),
        ("text", "Asthma", None, False),
        ("address", "1 Main St Springfield", "1 Main St, Springfield", True),
    ],
)
def test_values_equal(field_type, pred, truth, ok):
    assert values_equal(field_type, pred, truth) is ok


def test_rules_follow_the_spec_type_not_the_field_name(tmp_path):
    # The shipped fields keep the samples/README.md outcomes through their spec types.
    types = field_types("patient_details")
    assert types["birth_date"] == "date" and types["emergency_contact_home_phone"] == "phone"
    assert field_types("prescription")["refills"] == "int"
    # An added type: a 'when' date and a 'fax' phone are compared as such by their spec.
    (tmp_path / "lab.yaml").write_text(
        "name: lab\nevidence: [Lab]\nfields:\n"
        "  when: {type: date, labels: [When]}\n"
        "  fax: {type: phone, labels: [Fax]}\n"
        "  note: {type: text, labels: [Note]}\n"
    )
    report = EvalReport(specs_dir=tmp_path)
    truth = {"document_type": "lab",
             "fields": {"when": "2024-01-31", "fax": "555-0100", "note": "2024-01-31"}}
    predicted = {"when": "2024-01-31T00:00", "fax": "(555) 0100", "note": "2024-01-31T00:00"}
    report.add_document("x", truth, "lab", predicted, set())
    assert report.overall.right == 2 and [m[1] for m in report.misses] == ["note"]


def test_medicines_match_in_any_order_with_spacing_and_case_ignored():
    truth = [
        {"name": "Prednisone", "strength": "20 mg"},
        {"name": "Lialda", "strength": "2.4 gram"},
    ]
    pred = [{"name": "lialda", "strength": "2.4gram"}, {"name": "PREDNISONE", "strength": "20 MG"}]
    assert values_equal("medicines", pred, truth)
    assert not values_equal("medicines", pred[:1], truth)
