"""Commands: extract, eval, specs, schema."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medxtract.batch import Outcome, extract_many
from medxtract.cli.app import app
from medxtract.cli.inputs import expand
from medxtract.config import get_settings
from medxtract.errors import ExitCode, MedxtractError, exit_code_for
from medxtract.output import outcome_dict, render

err = Console(stderr=True)

TypeOpt = Annotated[str, typer.Option("--type", "-t", help="Document type, or 'auto'")]
WorkersOpt = Annotated[
    int, typer.Option("--workers", "-w", min=1, help="Processes (one Tesseract each)")
]
SpecsOpt = Annotated[Path | None, typer.Option("--specs", help="Extra folder of YAML type specs")]


def _settings(specs: Path | None):
    settings = get_settings()
    return settings.model_copy(update={"specs_dir": specs}) if specs else settings


def _run_batch(paths: list[Path], doc_type: str, settings, workers: int) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=len(paths) < 2,
        transient=True,
    ) as bar:
        task = bar.add_task("extracting", total=len(paths))
        for outcome in extract_many(paths, doc_type, settings, workers):
            outcomes.append(outcome)
            if outcome.error is not None:
                err.print(
                    f"[red]error[/red] {outcome.path}: {outcome_dict(outcome)['error']['message']}",
                    highlight=False,
                    soft_wrap=True,
                )
            bar.advance(task)
    return outcomes


def _batch_exit_code(outcomes: list[Outcome]) -> ExitCode:
    codes = {exit_code_for(o.error) for o in outcomes if o.error is not None}
    if not codes:
        return ExitCode.OK
    return codes.pop() if len(codes) == 1 else ExitCode.OTHER_ERROR


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or globs")],
    doc_type: TypeOpt = "auto",
    fmt: Annotated[str, typer.Option("--format", "-f", help="json | jsonl | csv")] = "json",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here, not stdout")
    ] = None,
    workers: WorkersOpt = 1,
    specs: SpecsOpt = None,
) -> None:
    """Extract the fields of each document; failed documents are listed and the rest written."""
    if fmt not in ("json", "jsonl", "csv"):
        err.print(f"error: unknown format '{fmt}' (json, jsonl, csv)")
        raise typer.Exit(ExitCode.BAD_ARGS)
    settings = _settings(specs)
    files = expand(paths)
    if not files:
        err.print("error: no documents found in the given paths")
        raise typer.Exit(ExitCode.NOT_FOUND)
    start = time.perf_counter()
    try:
        outcomes = _run_batch(files, doc_type, settings, workers)
    except MedxtractError as exc:
        err.print(f"error: {exc.message}")
        raise typer.Exit(exc.exit_code) from None
    text = render(outcomes, fmt)  # type: ignore[arg-type]
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    seconds = time.perf_counter() - start
    pages = sum(o.result.pages for o in outcomes if o.result)
    failed = sum(o.error is not None for o in outcomes)
    review = sum(bool(o.result.needs_review) for o in outcomes if o.result)
    err.print(
        f"{len(outcomes)} documents, {pages} pages, {failed} failed, {review} need review "
        f"in {seconds:.1f}s ({pages / seconds if seconds else 0:.2f} pages/s)",
        highlight=False,
    )
    raise typer.Exit(_batch_exit_code(outcomes))


@app.command("eval")
def evaluate(
    folder: Annotated[Path, typer.Argument(help="Folder with NAME.pdf + NAME.truth.json pairs")],
    doc_type: TypeOpt = "auto",
    workers: WorkersOpt = 1,
    specs: SpecsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="List every wrong field")] = False,
) -> None:
    """Accuracy against *.truth.json files: per field, per type, core and overall."""
    from medxtract.evaluate import EvalReport, load_truth, truth_pairs
    from medxtract.understand.specs import load_specs

    settings = _settings(specs)
    pairs = truth_pairs(folder)
    if not pairs:
        err.print(f"error: no NAME.truth.json beside a document in {folder}")
        raise typer.Exit(ExitCode.NOT_FOUND)
    all_specs = load_specs(settings.specs_dir)
    report = EvalReport()
    outcomes = _run_batch([d for d, _ in pairs], doc_type, settings, workers)
    for outcome, (_doc, truth_path) in zip(outcomes, pairs, strict=True):
        truth = load_truth(truth_path)
        if outcome.result is None:
            report.failures.append((str(outcome.path), str(outcome.error)))
            report.add_document(str(outcome.path), truth, "failed", {}, set())
            continue
        spec = all_specs.get(truth["document_type"])
        core = set(spec.core) if spec else set()
        report.add_document(
            str(outcome.path),
            truth,
            outcome.result.document_type,
            outcome.result.values(),
            core,
            set(outcome.result.needs_review),
        )
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        _print_report(report, show_misses)
    raise typer.Exit(ExitCode.OK if not report.failures else ExitCode.OTHER_ERROR)


def _print_report(report, show_misses: bool) -> None:
    out = Console()
    table = Table(title="Accuracy per field")
    table.add_column("type")
    table.add_column("field")
    table.add_column("right", justify="right")
    table.add_column("accuracy", justify="right")
    for (doc_type, name), tally in sorted(report.per_field.items()):
        table.add_row(doc_type, name, f"{tally.right}/{tally.total}", f"{tally.accuracy:.0%}")
    out.print(table)
    for doc_type, tally in sorted(report.per_type.items()):
        out.print(f"{doc_type}: {tally.right}/{tally.total} fields = {tally.accuracy:.1%}")
    groups = Table(title="Per type and variant (silent: wrong and not flagged for review)")
    for col in ("type", "variant", "fields", "accuracy", "silent errors", "right but flagged",
                "type right"):
        groups.add_column(col, justify="right" if col not in ("type", "variant") else "left")
    for (doc_type, variant), c in sorted(report.calibration.items()):
        types = report.type_per_group[(doc_type, variant)]
        groups.add_row(doc_type, variant, str(c.total), f"{c.right / max(c.total, 1):.1%}",
                       f"{c.silent_rate:.1%}", f"{c.flagged_right_rate:.1%}",
                       f"{types.right}/{types.total}")
    for (doc_type, variant), types in sorted(report.type_per_group.items()):
        if (doc_type, variant) not in report.calibration:
            groups.add_row(doc_type, variant, "0", "-", "-", "-", f"{types.right}/{types.total}")
    out.print(groups)
    out.print(f"type detection: {report.type_detection.right}/{report.type_detection.total}")
    out.print(
        f"silent errors: {report.silent.silent}/{report.silent.total} fields ="
        f" {report.silent.silent_rate:.1%}; right fields flagged for review:"
        f" {report.silent.flagged_right}/{report.silent.right} ="
        f" {report.silent.flagged_right_rate:.1%}"
    )
    out.print(f"core fields: {report.core.right}/{report.core.total} = {report.core.accuracy:.1%}")
    out.print(
        f"all fields: {report.overall.right}/{report.overall.total} = {report.overall.accuracy:.1%}"
    )
    if show_misses:
        for source, name, got, want in report.misses:
            out.print(f"  miss {source} {name}: got {got!r}, truth {want!r}", highlight=False)


@app.command()
def specs(specs_dir: SpecsOpt = None) -> None:
    """List and validate the document-type specs (shipped and --specs DIR)."""
    from medxtract.understand.specs import load_specs

    try:
        loaded = load_specs(_settings(specs_dir).specs_dir)
    except MedxtractError as exc:
        err.print(f"error: {exc.message}")
        raise typer.Exit(exc.exit_code) from None
    table = Table(title="Document types")
    for col in ("name", "title", "fields", "required"):
        table.add_column(col)
    for name, spec in sorted(loaded.items()):
        table.add_row(name, spec.title, str(len(spec.fields)), ", ".join(spec.required))
    Console().print(table)
    err.print(f"{len(loaded)} specs valid")


@app.command()
def schema() -> None:
    """Print the JSON Schema of an extraction result."""
    from medxtract.result import result_json_schema

    print(json.dumps(result_json_schema(), indent=2))
