"""Fit the confidence model (src/medxtract/understand/calibration.json) on dev documents.

Generates the generator's *dev* families (never held-out ones) evenly, `--count` documents
per family and variant, extracts them once (the finder's evidence does not depend on the
weights; `--cache` keeps it in a JSON-lines file so refits are instant), then:

- prints the leave-one-family-out (LOFO) table: fit on every dev family but one, measure
  silent errors (wrong, not sent to review) and right-but-flagged on the one left out,
  per variant and overall, for the old method and the new one (calfit.py);
- fits the new method on every family and writes calibration.json.

    python scripts/calibrate.py --count 4 --seed 8080 --workers 2 [--cache /tmp/cal.jsonl]
    python scripts/calibrate.py --cache /tmp/cal.jsonl --reuse      # refit only
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from medxtract.understand import calfit
from medxtract.understand.calibrate import FEATURES

OUT = Path(__file__).resolve().parents[1] / "src/medxtract/understand/calibration.json"
VARIANTS = ("clean", "scan", "photo", "overlay", "fax", "handwriting", "curl")
KINDS = ("prescription", "patient_details")


def _rows(pair: tuple[str, str]) -> list[dict]:
    """One document's fields as rows: type, evidence, hard review flag, right or not."""
    import medxtract
    from medxtract.evaluate import field_types, load_truth, values_equal
    from medxtract.understand.fields import REVIEW_FLAGS

    doc, truth_path = pair
    truth = load_truth(Path(truth_path))
    meta = truth.get("meta") or {}
    try:
        result = medxtract.extract(doc, truth["document_type"])
    except Exception as exc:  # noqa: BLE001 - a failed document teaches nothing here
        print(f"  failed: {Path(doc).name}: {type(exc).__name__}", file=sys.stderr)
        return []
    types = field_types(truth["document_type"])
    rows = []
    for name, want in truth["fields"].items():
        f = result.fields.get(name)
        ftype = types.get(name, "text")
        rows.append({
            "doc": Path(doc).name, "doc_type": truth["document_type"],
            "family": meta.get("family", "?"),
            "variant": meta.get("variant", "?"), "field": name, "type": ftype,
            "feats": (f.evidence or None) if f else None,
            "engine": f.engine if f else None,
            "hard": bool(f is None or REVIEW_FLAGS & set(f.flags)),
            "ok": bool(values_equal(ftype, f.value if f else None, want)),
        })
    return rows


def collect(count: int, seed: int, workers: int) -> list[dict]:
    from medxtract.evaluate import truth_pairs
    from medxtract.synth import generate, manifest

    with tempfile.TemporaryDirectory() as tmp:
        for i, kind in enumerate(KINDS):
            for j, fam in enumerate(manifest.families(kind, "dev")):
                # Every dev family in every variant, each with its own seed.
                generate(Path(tmp) / fam, count, seed=seed + 100 * i + j, kinds=[kind],
                         variants=VARIANTS, family=fam, split="dev")
        pairs = [(str(d), str(t)) for d, t in truth_pairs(Path(tmp))]
        print(f"generated {len(pairs)} dev documents; extracting with {workers} worker(s)",
              flush=True)
        rows: list[dict] = []
        t0 = time.time()
        with ProcessPoolExecutor(workers) as pool:
            for n, batch in enumerate(pool.map(_rows, pairs), 1):
                rows += batch
                if n % 10 == 0 or n == len(pairs):
                    print(f"  {n}/{len(pairs)} documents, {time.time() - t0:.0f}s", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=4, help="documents per family and variant")
    ap.add_argument("--seed", type=int, default=8080)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, help="JSON-lines file of extracted rows")
    ap.add_argument("--reuse", action="store_true", help="refit from --cache, no extraction")
    ap.add_argument("--target", type=float, default=calfit.NEW.target,
                    help="silent-error share the margin aims at on left-out families")
    ap.add_argument("--fitted-on", help="what the rows are, for calibration.json (default:"
                    " the dev seed and count)")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the weights")
    ap.add_argument("--no-write", action="store_true", help="print the LOFO table only")
    args = ap.parse_args()
    if args.reuse:
        if not args.cache:
            ap.error("--reuse needs --cache")
        rows = [json.loads(line) for line in args.cache.read_text("utf-8").splitlines()]
    else:
        rows = collect(args.count, args.seed, args.workers)
        if args.cache:
            args.cache.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    table = calfit.Table.from_rows(rows, FEATURES)
    cfg = replace(calfit.NEW, target=args.target)
    print(f"{len(table.y)} fields from {len(set(table.family))} families; LOFO (each family"
          " scored by a fit without it; new method's margin chosen without it too):", flush=True)
    print(calfit.lofo_report(table, {"old method": calfit.OLD, "new method": cfg}))
    if args.no_write:
        return
    model = calfit.fit_final(table, cfg)
    args.out.write_text(json.dumps({
        "about": "P(field right) from the finder's evidence; fitted by scripts/calibrate.py on"
                 " dev families only (method: calfit.py)",
        "fitted_on": args.fitted_on or f"dev seed {args.seed}, {args.count} per family and"
                                        " variant",
        "variants": sorted(set(table.variant.tolist())),
        "families": sorted(set(table.family.tolist())),
        "rows": len(table.y), **model,
    }, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
