from __future__ import annotations

import pytest

from medxtract.evaluate import values_equal


@pytest.mark.parametrize(
    ("name", "pred", "truth", "ok"),
    [
        ("patient_name", "maria  sharapova.", "Maria Sharapova", True),
        ("patient_name", "Maria", "Maria Sharapova", False),
        ("date", "2022-11-05", ["2022-05-11", "2022-11-05"], True),
        ("date", "2022-11-06", ["2022-05-11", "2022-11-05"], False),
        ("phone", "(000) 111-2222", "(000)-111-2222", True),
        ("refills", 2, 2, True),
        ("weight", 95, "95", True),
        ("has_insurance", "yes", True, True),
        ("has_insurance", False, True, False),
        ("medical_problems", None, None, True),
        ("medical_problems", "N/A", None, True),
        ("medical_problems", "Asthma", None, False),
        ("address", "1 Main St Springfield", "1 Main St, Springfield", True),
    ],
)
def test_values_equal(name, pred, truth, ok):
    assert values_equal(name, pred, truth) is ok


def test_medicines_match_in_any_order_with_spacing_and_case_ignored():
    truth = [
        {"name": "Prednisone", "strength": "20 mg"},
        {"name": "Lialda", "strength": "2.4 gram"},
    ]
    pred = [{"name": "lialda", "strength": "2.4gram"}, {"name": "PREDNISONE", "strength": "20 MG"}]
    assert values_equal("medicines", pred, truth)
    assert not values_equal("medicines", pred[:1], truth)
