"""The README's accuracy table: generated sets named by split, family and variant, plus the
real samples, each scored as `medxtract eval` scores it. Prints Markdown rows.

    python scripts/accuracy.py --seed 2718 --count 4 [--workers 2] [--sets heldout-clean ...]

Held-out sets use form families and wordings the finder was never tuned on (docs/synth.md);
nobody looks at their errors, only at these figures.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from medxtract.evaluate import EvalReport, evaluate_folder, truth_pairs
from medxtract.synth import generate

ROOT = Path(__file__).resolve().parents[1]
# name -> (split, variants, family or None, kinds)
SETS = {
    "heldout-clean": ("heldout", ("clean",), None, ("prescription", "patient_details")),
    "heldout-scan": ("heldout", ("scan",), None, ("prescription", "patient_details")),
    "heldout-photo": ("heldout", ("photo",), None, ("prescription", "patient_details")),
    "heldout-fax": ("heldout", ("fax",), None, ("prescription", "patient_details")),
    "heldout-handwriting": ("heldout", ("handwriting",), None, ("prescription", "patient_details")),
    "sample-layout-heldout-wording-clean": ("heldout", ("clean",), "sample", ()),
    "sample-layout-heldout-wording-scan": ("heldout", ("scan",), "sample", ()),
    "negatives-heldout": ("heldout", ("clean",), None, ("negative",)),
    "dev-clean": ("dev", ("clean",), None, ("prescription", "patient_details")),
    "dev-scan": ("dev", ("scan",), None, ("prescription", "patient_details")),
    "dev-fax": ("dev", ("fax",), None, ("prescription", "patient_details")),
    "dev-handwriting": ("dev", ("handwriting",), None, ("prescription", "patient_details")),
}


def score(folder: Path, workers: int) -> EvalReport:
    return evaluate_folder(folder, workers)


def row(name: str, report: EvalReport, docs: int) -> str:
    o, c, t, s = report.overall, report.core, report.type_detection, report.silent
    acc = f"{o.right}/{o.total} = **{o.accuracy:.1%}**" if o.total else "-"
    core = f"{c.accuracy:.1%}" if c.total else "-"
    return (f"| {name} | {docs} | {acc} | {core} | {t.right}/{t.total} | "
            f"{s.silent_rate:.1%} | {s.flagged_right_rate:.1%} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2718)
    ap.add_argument("--count", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sets", nargs="*", default=list(SETS) + ["real-seed", "real-other"])
    args = ap.parse_args()
    print("| set | documents | all fields | core | type right | silent errors"
          " | right but flagged |")
    print("|---|---|---|---|---|---|---|")
    for name in args.sets:
        if name.startswith("real-"):
            folder = ROOT / "samples" / name.removeprefix("real-")
            print(row(name, score(folder, args.workers), len(truth_pairs(folder))), flush=True)
            continue
        split, variants, family, kinds = SETS[name]
        with tempfile.TemporaryDirectory() as tmp:
            if family == "sample":
                for fam, kind in (("rx_sample", "prescription"), ("pd_sample", "patient_details")):
                    generate(Path(tmp), args.count, seed=args.seed, kinds=(kind,),
                             variants=variants, family=fam, split=split)
            else:
                generate(Path(tmp), args.count, seed=args.seed, kinds=kinds, variants=variants,
                         split=split)
            docs = len(truth_pairs(Path(tmp)))
            print(row(name, score(Path(tmp), args.workers), docs), flush=True)


if __name__ == "__main__":
    main()
