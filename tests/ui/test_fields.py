"""Editor choice and value mapping (no service needed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from medxtract.ui.fields import Editor, editor_for, from_widget, rows_from_table, to_widget


def test_editor_by_name_and_type() -> None:
    assert editor_for("birth_date", "1980-02-03") is Editor.DATE
    assert editor_for("date", None) is Editor.DATE
    assert editor_for("date", "5/11/22 maybe") is Editor.TEXT  # unreadable stays editable
    assert editor_for("has_insurance", None) is Editor.BOOL
    assert editor_for("refills", 2) is Editor.INT
    assert editor_for("measles", "IMMUNE") is Editor.IMMUNE
    assert editor_for("medicines", []) is Editor.TABLE
    assert editor_for("patient_name", "Ann") is Editor.TEXT
    assert editor_for("custom_flag", True) is Editor.BOOL
    assert editor_for("custom_when", "2024-01-31") is Editor.DATE


def test_round_trip_values() -> None:
    assert to_widget(Editor.DATE, "2022-05-11") == dt.date(2022, 5, 11)
    assert from_widget(Editor.DATE, dt.date(2022, 5, 11)) == "2022-05-11"
    assert from_widget(Editor.DATE, None) is None
    assert to_widget(Editor.INT, "3") == 3 and from_widget(Editor.INT, 3.0) == 3
    assert to_widget(Editor.IMMUNE, "maybe") is None
    assert from_widget(Editor.TEXT, "  ") is None
    assert to_widget(Editor.TEXT, None) == ""


def test_medicine_table_drops_blank_rows_and_pandas_na() -> None:
    df = pd.DataFrame(
        [{"name": "Amoxicillin", "strength": "500 mg"}, {"name": pd.NA, "strength": None}],
        columns=["name", "strength"],
    ).astype("string")
    assert rows_from_table(df) == [{"name": "Amoxicillin", "strength": "500 mg"}]
    assert rows_from_table([{"name": "Ibuprofen", "strength": float("nan")}]) == [
        {"name": "Ibuprofen", "strength": None}
    ]

