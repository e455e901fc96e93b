"""The confidence model's fitting: LOFO splits, monotone evidence, the review margin."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from medxtract.understand import calfit
from medxtract.understand.calibrate import FEATURES, NOT_FOUND_CAP, cap


def _rows(n: int, seed: int, families: int = 5) -> list[dict]:
    """Fields whose chance of being right rises with label score and OCR confidence; each
    family shifts that chance by its own amount (a layout the others do not predict)."""
    rng = np.random.default_rng(seed)
    shift = rng.normal(0, 1.0, families)
    rows = []
    for i in range(n):
        fam = i % families
        label, ocr = rng.uniform(0, 1), rng.uniform(0.5, 1)
        z = -3 + 3 * label + 3 * ocr + shift[fam]
        rows.append({
            "feats": {"has_value": 1, "label": label, "ocr_mean": ocr, "ocr_min": ocr,
                      "right": float(rng.random() < 0.5)},
            "hard": bool(rng.random() < 0.1), "ok": bool(rng.random() < 1 / (1 + np.exp(-z))),
            "type": "text" if i % 3 else "date", "family": f"f{fam}",
            "variant": "scan" if i % 2 else "clean",
            "field": f"{'text' if i % 3 else 'date'}{i % 2}",
        })
    return rows


def test_lofo_never_puts_a_family_on_both_sides():
    fams = ["a", "b", "a", "c", "b", "c", "c"]
    splits = calfit.lofo_splits(fams)
    assert [f for f, _, _ in splits] == ["a", "b", "c"]
    tested = np.zeros(len(fams), dtype=int)
    for fam, train, test in splits:
        assert not (train & test).any()
        assert {fams[i] for i in np.flatnonzero(test)} == {fam}
        assert fam not in {fams[i] for i in np.flatnonzero(train)}
        tested += test
    assert (tested == 1).all()  # every field is scored exactly once


def test_probability_never_falls_as_the_label_score_rises():
    # A small sample in which label scores run against rightness by chance: an
    # unconstrained fit may learn a negative weight; the monotone one may not.
    rows = _rows(60, seed=4)
    for r in rows:
        r["feats"]["label"] = 1.0 - r["feats"]["label"] if r["ok"] else r["feats"]["label"]
    t = calfit.Table.from_rows(rows, FEATURES)
    fitted = calfit.fit(t, replace(calfit.NEW, target=None))
    grid = calfit.Table.from_rows(
        [{"feats": {"has_value": 1, "label": s, "ocr_mean": 0.9, "ocr_min": 0.9},
          "hard": False, "ok": True, "type": ft, "family": "g", "variant": "clean",
          "field": "x"}
         for ft in ("text", "date") for s in np.linspace(0, 1, 11)], FEATURES)
    p = calfit.predict(fitted.model, grid).reshape(2, 11)
    assert (np.diff(p, axis=1) >= -1e-12).all()
    unconstrained = calfit.fit(t, replace(calfit.NEW, target=None, monotone=False))
    assert unconstrained.model["*"][FEATURES.index("label")] < 0  # the test can fail


def test_margin_keeps_left_out_families_within_the_target():
    t = calfit.Table.from_rows(_rows(600, seed=11), FEATURES)
    cfg = replace(calfit.NEW, target=0.01)
    no_margin = calfit.rates(t, calfit.lofo(t, replace(cfg, target=None)))
    margin = calfit.choose_margins(t, cfg)["*"]
    assert margin > 0 and no_margin.silent_rate > 0.01  # a case the margin has to fix
    # The honest figure, the margin chosen without the scored family, is near the target.
    honest = calfit.rates(t, calfit.lofo(t, cfg))
    assert honest.silent_rate < no_margin.silent_rate
    assert honest.silent_rate <= 0.03


def test_type_margins_keep_the_budget_where_errors_are():
    # Dates are always right here, texts often wrong: a margin per type spends the budget
    # on texts and leaves right dates unflagged (at least as well as one margin for all).
    rows = _rows(600, seed=12)
    for r in rows:
        r["ok"] = r["ok"] or r["type"] == "date"
    t = calfit.Table.from_rows(rows, FEATURES)
    cfg = replace(calfit.NEW, target=0.01, type_margins=True)
    margins = calfit.choose_margins(t, cfg)
    assert margins["date"] < margins["text"] <= margins["*"]
    fitted = calfit.fit(t, cfg)
    p_types = calfit.predict(fitted.folded(), t)
    one = calfit.fit(t, replace(cfg, type_margins=False))
    p_one = calfit.predict(one.folded(), t)
    assert calfit.rates(t, p_types).silent_rate <= 0.01 + 1e-9
    assert calfit.rates(t, p_types).flagged_right <= calfit.rates(t, p_one).flagged_right


def test_fields_without_evidence_or_with_a_review_flag_are_always_flagged():
    rows = _rows(40, seed=2)
    rows[0]["feats"] = None
    rows[1]["hard"] = True
    t = calfit.Table.from_rows(rows, FEATURES)
    f = calfit.flagged(t, np.ones(len(rows)))
    assert f[0] and f[1] and not f[2:][~t.hard[2:]].any()


def test_final_weights_fold_the_margins_into_the_biases():
    t = calfit.Table.from_rows(_rows(300, seed=5), FEATURES)
    out = calfit.fit_final(t, replace(calfit.NEW, target=0.01))
    fitted = calfit.fit(t, replace(calfit.NEW, target=0.01))
    assert out["margins"]["*"] == round(fitted.margins["*"], 2)
    bias = fitted.model["*"][0] - fitted.margins["*"]
    assert abs(out["weights"]["*"]["bias"] - bias) < 1e-3
    for n in calfit.NEW.drop:
        assert all(w[n] == 0 for w in out["weights"].values())


def test_nothing_found_is_never_sure_whatever_the_weights():
    t = calfit.Table.from_rows(
        [{"feats": {"not_found": 1}, "hard": False, "ok": True, "type": "text", "family": "a",
          "variant": "scan", "field": "x"}], FEATURES)
    sure = {"*": np.array([9.0 if n == "bias" else 0.0 for n in FEATURES])}
    assert calfit.predict(sure, t)[0] <= NOT_FOUND_CAP < calfit.THRESHOLD
    assert cap({"not_found": 1.0}, 0.99) == NOT_FOUND_CAP and cap({"label": 1.0}, 0.99) == 0.99


def test_a_field_model_serves_its_field_and_only_it():
    rows = _rows(300, seed=6)
    t = calfit.Table.from_rows(rows, FEATURES)
    model = calfit.fit(t, replace(calfit.NEW, target=None, field_l2=10.0)).model
    keys = {k for k in model if "." in k}
    assert keys == set(t.key.tolist())
    other = {"*": model["*"], **{k: v for k, v in model.items() if "." not in k}}
    p_field, p_type = calfit.predict(model, t), calfit.predict(other, t)
    assert not np.allclose(p_field, p_type)
