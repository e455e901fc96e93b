"""`make bench` on the hard corpus: cascade on and off, its share and cost, peak memory."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from medxtract.bench import hard
from medxtract.read import preprocess
from medxtract.synth.writer import rasterise


def test_hard_pages_are_what_they_claim():
    data, truth = hard.fax("prescription", random.Random(3), fmt="TIFF")
    page = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    assert preprocess.is_bilevel(page) and truth["document_type"] == "prescription"
    assert preprocess.pinholes((page < 128).astype(np.uint8)) > preprocess.FAX_PINHOLES
    pdf, _ = hard.curled("patient_details", random.Random(3))
    assert len(rasterise(pdf, 50)) == 2


@pytest.mark.slow
def test_bench_hard_corpus_reports_the_cascade(tmp_path):
    out = tmp_path / "bench.json"
    args = ["--count", "1", "--corpus", "hard", "--reference", "yardstick", "--json", str(out)]
    # A process of its own, as `make bench` runs: its peak memory is the bench's, not that
    # of every test this pytest process ran before.
    proc = subprocess.run([sys.executable, "-m", "medxtract.bench", *args], capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(out.read_text())
    corpus = figures["corpora"]["hard"]
    on, off = corpus["ours"], corpus["ours_no_cascade"]
    assert (on["engine"], off["engine"]) == ("auto", "tesseract")
    assert on["pages"] == off["pages"] == corpus["reference"]["pages"] == 9
    cascade = on["cascade"]
    assert cascade["ocr_pages"] == 9
    assert 0 < cascade["reread"] <= cascade["lines"]
    assert 0 < cascade["pages_touched"] <= cascade["ocr_pages"]
    assert cascade["recovered"] <= cascade["searched"]
    assert cascade["ms_per_ocr_page"] > 0
    assert off["cascade"]["reread"] == off["cascade"]["pages_touched"] == 0
    assert on["all_accuracy"] >= off["all_accuracy"]
    assert 0 < figures["peak_memory_mib"]["ours"] <= 1024
    assert set(on["tiers"]) == {"fax", "handwritten", "curled"}
