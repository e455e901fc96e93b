"""The benchmark: the reference's regexes on OCR-like text, and a tiny end-to-end run."""

from __future__ import annotations

import json

from medxtract.bench.__main__ import main
from medxtract.bench.reference import patient_details_fields, prescription_fields

PRESCRIPTION_TEXT = """Dr John Smith, M.D
2 Non-Important Street,
New York, Phone (000)-111-2222

Name: Maria Sharapova Date: 5/11/2022

Address: 9 tennis court, new Russia, DC

Prednisone 20 mg
| Lialda 2.4 gram

Directions:

Prednisone, Taper 5 mg every 3 days,
Finish in 2.5 weeks
Lialda - take 2 pill everyday for 1 month

Refill: 2 times
"""

PATIENT_TEXT = """Patient Medical Record
17/12/2020

Patient Information Birth Date
Kathy Crawford May 6 1972
(737) 988-0851 Weight
9264 Ash Dr 95

Have you had the Hepatitis B vaccination?

No
List any Medical Problems (asthma, seizures, headaches):

Migraine

Do you have medical insurance?
"Yes - |
"""


def test_reference_prescription_regexes():
    fields = prescription_fields(PRESCRIPTION_TEXT)
    assert fields["patient_name"] == "Maria Sharapova"
    assert fields["patient_address"] == "9 tennis court, new Russia, DC"
    assert fields["medicines"] == [
        {"name": "Prednisone", "strength": "20 mg"},
        {"name": "Lialda", "strength": "2.4 gram"},
    ]
    assert fields["directions"] == (
        "Prednisone, Taper 5 mg every 3 days, Finish in 2.5 weeks "
        "Lialda - take 2 pill everyday for 1 month"
    )
    assert fields["refills"] == 2


def test_reference_patient_details_regexes():
    fields = patient_details_fields(PATIENT_TEXT)
    assert fields == {
        "patient_name": "Kathy Crawford",
        "phone": "(737) 988-0851",
        "hepatitis_b_vaccinated": False,
        "medical_problems": "Migraine",
        "has_insurance": True,
    }


def test_reference_regexes_find_nothing_in_noise():
    assert all(v is None for v in prescription_fields("lorem ipsum\n").values())
    assert all(v is None for v in patient_details_fields("lorem ipsum\n").values())


def test_bench_born_digital_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--count", "1", "--corpus", "born-digital", "--json", str(out)]) == 0
    assert "ours pinned to: 1 CPU" in capsys.readouterr().out
    figures = json.loads(out.read_text())
    assert set(figures["corpora"]) == {"born-digital"}
    corpus = figures["corpora"]["born-digital"]
    # make test installs the students' tools (tesseract, pdftoppm), so both references run.
    assert figures["student_missing"] is None
    runs = [(r["mode"], r["cpus"]) for r in corpus["references"]]
    assert runs == [("student", 0), ("student", 1), ("inprocess", 1)]
    assert corpus["reference"] == corpus["references"][0]
    for r in [corpus["ours"], *corpus["references"]]:
        for key in ("pages", "seconds", "pages_per_s", "ms_per_page", "core_accuracy"):
            assert key in r
        assert r["pages"] == 3  # one prescription (1 page) + one patient record (2 pages)
        assert r["seconds"] > 0 and r["pages_per_s"] > 0 and r["ms_per_page"] > 0
    assert "all_accuracy" in corpus["ours"]
    assert corpus["speedup"] > 0
    assert corpus["reference"]["omp_thread_limit"] is None
    assert figures["peak_memory_mib"]["ours"] > 0
    assert figures["peak_memory_mib"]["reference"] > 0
    assert {c["name"] for c in figures["checks"]} >= {
        "born-digital PDFs: >= 50 pages/s on one core"
    }
