"""Fit the confidence model (src/medxtract/understand/calibration.json) on dev documents.

Generates the generator's *dev* families and wordings (never the held-out ones) in every
variant, extracts them, and fits one logistic model per field type (plus a shared one)
from the finder's evidence to "the value is right". Then the review threshold means what
it says on documents of kinds the model saw; the held-out sets measure it.

    python scripts/calibrate.py --count 6 --seed 8080 [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from medxtract.evaluate import field_types, load_truth, truth_pairs, values_equal
from medxtract.synth import generate
from medxtract.understand.calibrate import FEATURES

OUT = Path(__file__).resolve().parents[1] / "src/medxtract/understand/calibration.json"
VARIANTS = ("clean", "scan", "photo", "overlay", "fax", "handwriting", "curl")


def _rows(pair: tuple[str, str]) -> list[tuple[str, list[float], int]]:
    import medxtract

    doc, truth_path = pair
    truth = load_truth(Path(truth_path))
    if truth["document_type"] == "unknown":
        return []
    try:
        result = medxtract.extract(doc, truth["document_type"])
    except Exception:  # noqa: BLE001 - a failed document teaches nothing here
        return []
    types = field_types(truth["document_type"])
    rows = []
    for name, want in truth["fields"].items():
        f = result.fields.get(name)
        if f is None or not f.evidence:
            continue
        ok = values_equal(types.get(name, "text"), f.value, want)
        rows.append((types.get(name, "text"), [f.evidence.get(k, 0.0) for k in FEATURES], ok))
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.5, steps: int = 4000) -> np.ndarray:
    """Logistic regression by gradient descent (a few hundred rows: no library needed)."""
    w = np.zeros(x.shape[1])
    lr = 0.5
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) / len(y) + l2 * w / len(y)
        w -= lr * grad
    return w


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=6, help="documents per kind and variant")
    ap.add_argument("--seed", type=int, default=8080)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), args.count, seed=args.seed, variants=VARIANTS, split="dev")
        pairs = [(str(d), str(t)) for d, t in truth_pairs(Path(tmp))]
        with ProcessPoolExecutor(args.workers) as pool:
            rows = [r for batch in pool.map(_rows, pairs) for r in batch]
    by_type: dict[str, list] = defaultdict(list)
    for ftype, feats, ok in rows:
        by_type[ftype].append((feats, ok))
        by_type["*"].append((feats, ok))
    weights = {}
    for ftype, data in sorted(by_type.items()):
        if ftype != "*" and len(data) < 30:
            continue  # too few to fit alone: the shared model serves this type
        x = np.array([f for f, _ in data])
        y = np.array([float(ok) for _, ok in data])
        weights[ftype] = {k: round(float(v), 4) for k, v in zip(FEATURES, fit(x, y), strict=True)}
        print(f"{ftype:12s} rows={len(data):5d} right={y.mean():.1%}")
    OUT.write_text(json.dumps({
        "about": "P(field right) from the finder's evidence; fitted by scripts/calibrate.py on"
                 " dev families and wordings only",
        "seed": args.seed, "count": args.count, "variants": list(VARIANTS), "rows": len(rows),
        "weights": weights,
    }, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
