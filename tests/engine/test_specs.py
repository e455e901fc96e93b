from __future__ import annotations

from pathlib import Path

import pytest

from medxtract.errors import SpecError
from medxtract.understand.specs import load_spec_file, load_specs

GOOD = """\
name: lab_report
evidence: ["Laboratory Report", "Specimen"]
fields:
  patient_name:
    type: name
    sections: [patient, none]
    labels: ["Patient"]
"""


def test_shipped_specs_load():
    specs = load_specs()
    assert {"prescription", "patient_details"} <= set(specs)
    assert len(specs["patient_details"].fields) == 22


def test_user_spec_folder_adds_a_type(tmp_path: Path):
    (tmp_path / "lab.yaml").write_text(GOOD)
    specs = load_specs(tmp_path)
    assert "lab_report" in specs and "prescription" in specs


def test_typo_is_rejected_with_file_and_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("    labels:", "    lables:"))
    with pytest.raises(SpecError) as err:
        load_spec_file(path)
    assert f"{path}:7:" in str(err.value) and "lables" in str(err.value)


def test_field_without_labels_is_rejected(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace('    labels: ["Patient"]\n', ""))
    with pytest.raises(SpecError, match="needs 'labels'"):
        load_spec_file(path)


def test_unknown_field_type_is_rejected_with_its_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("type: name", "type: nmae"))
    with pytest.raises(SpecError) as err:
        load_spec_file(path)
    assert f"{path}:5:" in str(err.value)


def test_shipped_fields_declare_concepts_sections_and_types():
    for spec in load_specs().values():
        for name, field in spec.fields.items():
            assert field.type, name
            assert field.sections, name
            assert field.labels or field.unlabelled or field.type == "medicines", name
