"""Editor choice and value mapping (no service needed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from medxtract.ui.fields import (
    Editor,
    editor_for,
    from_widget,
    label,
    rows_from_table,
    spec_fields,
    to_widget,
)


def test_editor_by_spec_type_not_name() -> None:
    assert editor_for("date", "1980-02-03") is Editor.DATE
    assert editor_for("date", None) is Editor.DATE
    assert editor_for("date", "5/11/22 maybe") is Editor.TEXT  # unreadable stays editable
    assert editor_for("bool", None) is Editor.BOOL
    assert editor_for("int", 2) is Editor.INT
    assert editor_for("number", "72.5") is Editor.NUMBER
    assert editor_for("choice", "IMMUNE") is Editor.CHOICE
    assert editor_for("medicines", []) is Editor.TABLE
    assert editor_for("name", "Ann") is Editor.TEXT
    assert editor_for("phone", "2024-01-31") is Editor.TEXT  # the spec wins over the value
    # a field no spec knows goes by its value
    assert editor_for(None, True) is Editor.BOOL
    assert editor_for(None, "2024-01-31") is Editor.DATE


def test_spec_fields_from_document_types() -> None:
    types = [{"name": "lab", "fields": [{"name": "glucose", "type": "number", "label": "Glu"}]}]
    specs = spec_fields(types, "lab")
    assert specs["glucose"]["type"] == "number" and label("glucose", specs["glucose"]) == "Glu"
    assert spec_fields(types, "other") == {} and label("has_insurance") == "Has insurance"


def test_round_trip_values() -> None:
    assert to_widget(Editor.DATE, "2022-05-11") == dt.date(2022, 5, 11)
    assert from_widget(Editor.DATE, dt.date(2022, 5, 11)) == "2022-05-11"
    assert from_widget(Editor.DATE, None) is None
    assert to_widget(Editor.INT, "3") == 3 and from_widget(Editor.INT, 3.0) == 3
    assert to_widget(Editor.CHOICE, "maybe", ["IMMUNE", "NOT IMMUNE"]) is None
    assert to_widget(Editor.CHOICE, "IMMUNE", ["IMMUNE", "NOT IMMUNE"]) == "IMMUNE"
    assert to_widget(Editor.NUMBER, "72.5") == 72.5 and from_widget(Editor.NUMBER, 80.0) == 80
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



def test_upload_type_list_reads_the_loaded_specs() -> None:
    from medxtract.ui.views.upload import type_choices

    types = [{"name": "lab_report"}, {"name": "prescription"}]
    assert type_choices(types) == ["auto", "lab_report", "prescription"]
