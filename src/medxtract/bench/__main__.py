"""`python -m medxtract.bench` (`make bench`): this engine against the student reference.

Both run on the same documents, one after the other:
- image PDFs: the four real seed samples plus generated scans and photos;
- hard pages: generated faxes, hand-filled forms and curled rescans (bench.hard);
- born-digital PDFs: generated clean PDFs (a text layer, no OCR needed by us).

Ours runs twice on each corpus: with the OCR cascade (MEDXTRACT_OCR_ENGINE=auto, the
default: RapidOCR re-reads what Tesseract reads weakly) and without it (tesseract), and
reports the share of pages and lines the second engine read and what that cost.

Ours runs in this process through `medxtract.extract(path)` with doc_type="auto",
Tesseract single-threaded (OMP_THREAD_LIMIT=1, as the engine sets it) and the process
pinned to one CPU (`--cpus`). The reference (`medxtract.bench.reference`) runs in a child
process with OMP_THREAD_LIMIT removed, as pytesseract ran it, and is told each document's
true type (students picked it in the UI). It runs three ways:
1. as the students ran it: pdftoppm + pytesseract on all CPUs (the target's yardstick);
2. the same, confined to one CPU (no thread contention; a stricter yardstick);
3. in-process tesserocr on one CPU (no per-page process start; the strictest).
Each run first processes one warm-up document that is not timed, so loading models is
not counted; times are wall clock over the whole corpus.
"""

from __future__ import annotations

import os

# Ours runs with one Tesseract thread; set before anything loads libtesseract.
os.environ["OMP_THREAD_LIMIT"] = "1"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from medxtract.bench.apart import run_apart  # noqa: E402
from medxtract.bench.corpus import build_corpus  # noqa: E402

STAGES = ("open", "read_pages", "clean_image", "ocr", "cascade", "find_rules", "fields",
          "second_reading", "blank_reading")
MEMORY_LIMIT_MIB = 1024  # peak per worker process
SPEEDUP_TARGET = 5.0  # issue 9: cascade on, against the students' pipeline as they ran it
BORN_DIGITAL_TARGET = 50.0  # pages/s per core


@contextlib.contextmanager
def pinned(cpus: int):
    """Run the block (and the processes it starts) on the first `cpus` CPUs; 0: all."""
    if not hasattr(os, "sched_setaffinity"):  # not Linux: run unpinned
        yield
        return
    before = os.sched_getaffinity(0)
    if cpus > 0:
        os.sched_setaffinity(0, sorted(before)[:cpus])
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _cpu_self() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _rate(pages: int, seconds: float) -> dict[str, float]:
    return {
        "pages_per_s": pages / seconds if seconds else 0.0,
        "ms_per_page": 1000 * seconds / pages if pages else 0.0,
    }


def _accuracy(docs, predictions, core_only: bool) -> dict[str, Any]:
    """docs: [(path, truth)]; predictions: [(predicted_type, values)] in the same order."""
    from medxtract.evaluate import EvalReport

    report = EvalReport()
    for (path, truth), (ptype, values) in zip(docs, predictions, strict=True):
        core = set(_core_fields()[truth["document_type"]])
        if core_only:
            truth = {**truth, "fields": {k: v for k, v in truth["fields"].items() if k in core}}
        report.add_document(str(path), truth, ptype, values, core)
    return {
        "core_accuracy": report.core.accuracy,
        "core_right": report.core.right,
        "core_total": report.core.total,
        "all_accuracy": report.overall.accuracy,
        "all_right": report.overall.right,
        "all_total": report.overall.total,
        "type_detection": report.type_detection.accuracy,
    }


_CORE: dict[str, list[str]] = {}


def _core_fields() -> dict[str, list[str]]:
    if not _CORE:
        from medxtract.config import get_settings
        from medxtract.understand.specs import load_specs

        specs = load_specs(get_settings().engine.specs_dir)
        _CORE.update({k: list(v.core) for k, v in specs.items()})
    return _CORE


def run_ours(docs: list[tuple[Path, dict]], engine: str = "auto") -> dict[str, Any]:
    import medxtract
    from medxtract.config import get_settings

    settings = get_settings().engine.model_copy(update={"ocr_engine": engine})
    medxtract.extract(docs[0][0], settings=settings)  # warm-up (loads models), not timed
    stages = dict.fromkeys(STAGES, 0.0)
    cascade = dict.fromkeys(
        ("lines", "reread", "replaced", "searched", "recovered", "whole_page"), 0
    )
    predictions: list[tuple[str, dict[str, Any]]] = []
    pages, ocr_pages, touched, errors = 0, 0, 0, []
    cpu0, t0 = _cpu_self(), time.perf_counter()
    for path, _truth in docs:
        try:
            result = medxtract.extract(path, settings=settings)
        except Exception as exc:  # noqa: BLE001 - counted as all fields wrong
            errors.append(f"{path.name}: {exc}")
            predictions.append(("failed", {}))
            continue
        pages += result.pages
        predictions.append((result.document_type, result.values()))
        for stage in STAGES:
            stages[stage] += result.timings.get(stage, 0.0)
        for page in result.document.pages:
            ocr_pages += page.source != "text_layer"
            stats = page.ocr_stats
            # RapidOCR read some of the page: weak lines, unread ink, blanks, or all of it.
            touched += any(stats.get(k) for k in ("reread", "searched", "whole_page",
                                                   "blank_regions"))
            for key in cascade:
                cascade[key] += int(stats.get(key, 0))
    seconds, cpu = time.perf_counter() - t0, _cpu_self() - cpu0
    return {
        "engine": engine,
        "pages": pages,
        "documents": len(docs),
        "seconds": seconds,
        **_rate(pages, seconds),
        "cpu_ms_per_page": 1000 * cpu / pages if pages else 0.0,
        "stage_ms_per_page": {k: v / pages if pages else 0.0 for k, v in stages.items()},
        "cascade": {
            **cascade,
            "ocr_pages": ocr_pages,
            "pages_touched": touched,
            "pages_touched_share": _share(touched, ocr_pages),
            "whole_pages_share": _share(cascade["whole_page"], ocr_pages),
            "lines_reread_share": _share(cascade["reread"], cascade["lines"]),
            # the second engine's whole cost: weak lines, unread ink, second readings and
            # blank values looked for again
            "ms_per_ocr_page": (stages["cascade"] + stages["second_reading"]
                                + stages["blank_reading"]) / ocr_pages
            if ocr_pages else 0.0,
        },
        **_accuracy(docs, predictions, core_only=False),
        "tiers": _by_tier(docs, predictions),
        "errors": errors,
    }


def _tier(path: Path) -> str:
    """The variant in a generated name (prescription-fax-0001 -> fax); seed samples: seed."""
    parts = path.stem.split("-")
    return parts[1] if len(parts) >= 3 else "seed"


def _by_tier(docs, predictions) -> dict[str, dict[str, Any]]:
    """All-field accuracy per variant (scan, photo, fax, handwritten, curled, ...)."""
    out = {}
    for tier in sorted({_tier(p) for p, _ in docs}):
        pick = [i for i, (p, _) in enumerate(docs) if _tier(p) == tier]
        acc = _accuracy([docs[i] for i in pick], [predictions[i] for i in pick], False)
        out[tier] = {k: acc[k] for k in ("all_accuracy", "all_right", "all_total")}
    return out


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def run_ours_workers(docs: list[tuple[Path, dict]], workers: int) -> dict[str, Any]:
    from medxtract.batch import extract_many
    from medxtract.config import get_settings

    paths = [p for p, _ in docs]
    t0 = time.perf_counter()  # includes starting the pool's processes
    outcomes = list(extract_many(paths, "auto", get_settings().engine, workers=workers))
    seconds = time.perf_counter() - t0
    pages = sum(o.result.pages for o in outcomes if o.result)
    predictions = [
        (o.result.document_type, o.result.values()) if o.result else ("failed", {})
        for o in outcomes
    ]
    return {
        "workers": workers,
        "pages": pages,
        "seconds": seconds,
        **_rate(pages, seconds),
        **_accuracy(docs, predictions, core_only=False),
    }


def run_reference(docs: list[tuple[Path, dict]], mode: str, cpus: int) -> dict[str, Any]:
    from medxtract.bench.reference import run_in_subprocess

    types = [t["document_type"] for _, t in docs]
    with pinned(cpus):
        report = run_in_subprocess([p for p, _ in docs], types, warmup=docs[0][0], mode=mode)
    pages, seconds = report["pages"], report["seconds"]
    predictions = [(ty, d["fields"]) for ty, d in zip(types, report["documents"], strict=True)]
    acc = _accuracy(docs, predictions, core_only=True)
    return {
        "mode": mode,
        "cpus": cpus,
        "pages": pages,
        "documents": len(docs),
        "seconds": seconds,
        **_rate(pages, seconds),
        "cpu_ms_per_page": 1000 * report["cpu_seconds"] / pages if pages else 0.0,
        "core_accuracy": acc["core_accuracy"],
        "core_right": acc["core_right"],
        "core_total": acc["core_total"],
        "peak_rss_mib": report["peak_rss_mib"],
        "omp_thread_limit": report["omp_thread_limit"],
    }


def checks(figures: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    corpora = figures["corpora"]
    if "image" in corpora:
        c = corpora["image"]
        out.append(
            {
                "name": f"image PDFs: ours (cascade on) on {_cpus_label(figures['cpus'])} >= "
                f"{SPEEDUP_TARGET:g}x the {_ref_label(c['reference'])} per page",
                "value": f"{c['speedup']:.1f}x",
                "pass": c["speedup"] >= SPEEDUP_TARGET,
            }
        )
    for name, c in corpora.items():
        ours, ref = c["ours"]["core_accuracy"], c["reference"]["core_accuracy"]
        out.append(
            {
                "name": f"{name}: core accuracy same or better than the reference",
                "value": f"{ours:.1%} vs {ref:.1%}",
                "pass": ours >= ref,
            }
        )
    peak = figures["peak_memory_mib"]["ours"]
    out.append(
        {
            "name": f"peak memory of one worker (both engines loaded) <= {MEMORY_LIMIT_MIB} MiB",
            "value": f"{peak:.0f} MiB",
            "pass": peak <= MEMORY_LIMIT_MIB,
        }
    )
    for name, c in corpora.items():
        on, off = c["ours"], c["ours_no_cascade"]
        out.append(
            {
                "name": f"{name}: the cascade keeps or improves all-field accuracy",
                "value": f"{on['all_accuracy']:.1%} vs {off['all_accuracy']:.1%} without",
                "pass": on["all_accuracy"] >= off["all_accuracy"],
            }
        )
    if "born-digital" in corpora:
        rate = corpora["born-digital"]["ours"]["pages_per_s"]
        out.append(
            {
                "name": f"born-digital PDFs: >= {BORN_DIGITAL_TARGET:g} pages/s on one core",
                "value": f"{rate:.1f} pages/s",
                "pass": rate >= BORN_DIGITAL_TARGET,
            }
        )
    return out


def _cpus_label(cpus: int) -> str:
    return "all CPUs" if cpus == 0 else f"{cpus} CPU" + ("s" if cpus > 1 else "")


def _ref_label(run: dict[str, Any]) -> str:
    how = "reference" if run["mode"] == "student" else "in-process ref."
    return f"{how}, {_cpus_label(run['cpus'])}"


def print_report(figures: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    # Wide enough for the whole table when the output is piped (make bench | tee).
    console = Console() if sys.stdout.isatty() else Console(width=150)
    table = Table(title="medxtract vs the student reference (same documents, same run)")
    for col in ("corpus", "engine", "docs", "pages", "seconds", "pages/s", "ms/page",
                "CPU ms/page", "core acc.", "all-field acc."):  # fmt: skip
        table.add_column(col, justify="left" if col in ("corpus", "engine") else "right")
    for name, c in figures["corpora"].items():
        rows = [("ours, cascade on", c["ours"]), ("ours, cascade off", c["ours_no_cascade"])]
        rows += [(_ref_label(r), r) for r in c["references"]]
        if "ours_workers" in c:
            rows.append((f"ours, {c['ours_workers']['workers']} workers", c["ours_workers"]))
        for label, r in rows:
            table.add_row(
                name,
                label,
                str(r.get("documents", len(c["files"]))),
                str(r["pages"]),
                f"{r['seconds']:.2f}",
                f"{r['pages_per_s']:.2f}",
                f"{r['ms_per_page']:.0f}",
                f"{r['cpu_ms_per_page']:.0f}" if "cpu_ms_per_page" in r else "-",
                f"{r['core_accuracy']:.1%} ({r['core_right']}/{r['core_total']})",
                f"{r['all_accuracy']:.1%} ({r['all_right']}/{r['all_total']})"
                if "all_accuracy" in r
                else "-",
            )
        table.add_section()
    console.print(table)
    console.print(f"ours pinned to: {_cpus_label(figures['cpus'])}")
    for name, c in figures["corpora"].items():
        ours = c["ours"]
        for r in c["references"]:
            console.print(
                f"{name}: speed-up over the {_ref_label(r)}: "
                f"{r['ms_per_page'] / ours['ms_per_page']:.1f}x wall, "
                f"{r['cpu_ms_per_page'] / ours['cpu_ms_per_page']:.1f}x CPU time"
            )
    if figures.get("student_missing"):
        console.print(
            f"[yellow]the students' own tools are missing ({figures['student_missing']}): "
            "the in-process reference on all CPUs is the yardstick[/]"
        )
    stages = Table(title="Where our time goes (ms/page, from result.timings)")
    stages.add_column("corpus")
    for s in STAGES:
        stages.add_column(s, justify="right")
    for name, c in figures["corpora"].items():
        per = c["ours"]["stage_ms_per_page"]
        stages.add_row(name, *(f"{per[s]:.1f}" for s in STAGES))
    console.print(stages)
    cascade = Table(title="The OCR cascade (RapidOCR after Tesseract), cascade on")
    for col in ("corpus", "OCR pages", "pages read", "whole pages", "lines re-read", "kept",
                "regions searched", "found", "ms/OCR page"):  # fmt: skip
        cascade.add_column(col, justify="left" if col == "corpus" else "right")
    for name, c in figures["corpora"].items():
        k = c["ours"]["cascade"]
        cascade.add_row(
            name,
            str(k["ocr_pages"]),
            f"{k['pages_touched']} ({k['pages_touched_share']:.0%})",
            f"{k['whole_page']} ({k['whole_pages_share']:.0%})",
            f"{k['reread']}/{k['lines']} ({k['lines_reread_share']:.0%})",
            str(k["replaced"]),
            str(k["searched"]),
            str(k["recovered"]),
            f"{k['ms_per_ocr_page']:.0f}",
        )
    console.print(cascade)
    console.print(
        "pages read: pages RapidOCR read any of; whole pages: RapidOCR's whole reading "
        "kept (Tesseract's unusable, or the fields it gave too poor: second_reading); "
        "blank_reading: unread ink where a label's value came out blank, read again; "
        "kept: re-read lines where RapidOCR's reading won; regions searched: ink outside "
        "Tesseract's words RapidOCR read; found: those it read as text; ms/OCR page: the "
        "second engine's cost (cascade and second readings)"
    )
    tiers = Table(title="All-field accuracy by variant, cascade on / off")
    for col in ("corpus", "variant", "cascade on", "cascade off"):
        tiers.add_column(col, justify="left" if col in ("corpus", "variant") else "right")
    for name, c in figures["corpora"].items():
        for tier, on in c["ours"]["tiers"].items():
            off = c["ours_no_cascade"]["tiers"][tier]
            tiers.add_row(
                name,
                tier,
                f"{on['all_accuracy']:.1%} ({on['all_right']}/{on['all_total']})",
                f"{off['all_accuracy']:.1%} ({off['all_right']}/{off['all_total']})",
            )
    console.print(tiers)
    mem = figures["peak_memory_mib"]
    console.print(
        f"peak memory: ours {mem['ours']:.0f} MiB (this process: one worker's reading, "
        "both engines loaded), "
        f"reference {mem['reference']:.0f} MiB (its subprocess); "
        f"reference OMP_THREAD_LIMIT={figures['reference_omp_thread_limit']!s}, "
        f"{figures['cpu_count']} CPUs"
    )
    for check in figures["checks"]:
        mark = "[green]PASS[/]" if check["pass"] else "[red]FAIL[/]"
        console.print(f"{mark} {check['name']}: {check['value']}")
    for name, c in figures["corpora"].items():
        for error in c["ours"]["errors"]:
            console.print(f"[yellow]error[/] {name}: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medxtract.bench", description=__doc__)
    parser.add_argument(
        "--count", type=int, default=2, help="generated documents per (kind, variant); default 2"
    )
    parser.add_argument("--seed", type=int, default=11, help="seed of the generated documents")
    parser.add_argument(
        "--corpus", choices=("all", "image", "hard", "born-digital"), default="all"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="also run ours through extract_many with N worker processes",
    )
    parser.add_argument(
        "--cpus",
        type=int,
        default=1,
        help="pin our single-process run to this many CPUs (0: no pinning); default 1",
    )
    parser.add_argument(
        "--reference",
        choices=("all", "yardstick"),
        default="all",
        help="time the reference three ways (all) or only as the students ran it",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--keep", type=Path, help="write the corpus here instead of a temp dir")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="medxtract-bench-") as tmp:
        root = args.keep or Path(tmp)
        corpora = build_corpus(root, args.count, args.seed, args.corpus)
        from medxtract.bench.reference import student_available

        missing = student_available()
        # (mode, CPUs); the first is the yardstick.
        ref_runs = [("student", 0), ("student", 1), ("inprocess", 1)]
        if missing:
            ref_runs = [("inprocess", 0), ("inprocess", 1)]
        if args.reference == "yardstick":
            ref_runs = ref_runs[:1]
        figures: dict[str, Any] = {
            "count": args.count,
            "seed": args.seed,
            "cpu_count": os.cpu_count(),
            "cpus": args.cpus,
            "student_missing": missing,
            "warm_up": "one untimed document per engine and corpus before timing",
            "corpora": {},
        }
        ref_peak = 0.0
        for name, docs in corpora.items():
            with pinned(args.cpus):
                ours = run_apart(docs, "auto")
                ours_off = run_apart(docs, "tesseract")
            refs = [run_reference(docs, mode, cpus) for mode, cpus in ref_runs]
            ref = refs[0]  # the yardstick
            ref_peak = max([ref_peak] + [r["peak_rss_mib"] for r in refs])
            figures["reference_omp_thread_limit"] = ref["omp_thread_limit"]
            entry = {
                "files": [str(p) for p, _ in docs],
                "ours": ours,
                "ours_no_cascade": ours_off,
                "reference": ref,
                "references": refs,
                "speedup": ref["ms_per_page"] / ours["ms_per_page"] if ours["ms_per_page"] else 0,
            }
            figures["corpora"][name] = entry
        # A worker's peak: each run of ours in a fresh process of its own (this process
        # also generated the corpus and ran the references).
        ours_peak = max(e[k]["peak_rss_mib"] for e in figures["corpora"].values()
                        for k in ("ours", "ours_no_cascade"))
        if args.workers > 1:
            for entry, docs in zip(figures["corpora"].values(), corpora.values(), strict=True):
                entry["ours_workers"] = run_ours_workers(docs, args.workers)
        figures["peak_memory_mib"] = {"ours": ours_peak, "reference": ref_peak}
        figures["checks"] = checks(figures)

    print_report(figures)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
