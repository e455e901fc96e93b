"""Commands: extract, eval, specs, schema."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from medxtract.batch import Outcome
from medxtract.cli.app import app
from medxtract.cli.batchrun import Interrupts, run_batch, sha256_of
from medxtract.cli.common import (
    LogFormatOpt,
    QuietOpt,
    SpecsOpt,
    VerboseOpt,
    WorkersOpt,
    checked_type,
    count,
    err,
    fail,
    info,
    set_verbosity,
    settings_for,
    shipped_types,
)
from medxtract.cli.inputs import ACCEPTED, expand
from medxtract.config import EngineSettings
from medxtract.errors import ExitCode, MedxtractError, exit_code_for
from medxtract.output import OutputFormat, ResultWriter, ResumeError, read_done

INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

TypeOpt = Annotated[
    str,
    typer.Option(
        "--type", "-t", help=f"Document type: {shipped_types()} or a type from --specs"
        " (any case; checked before any work)",
    ),
]


def _batch_exit_code(outcomes: list[Outcome]) -> ExitCode:
    codes = {exit_code_for(o.error) for o in outcomes if o.error is not None}
    if not codes:
        return ExitCode.OK
    return codes.pop() if len(codes) == 1 else ExitCode.OTHER_ERROR


def field_columns(settings: EngineSettings, doc_type: str) -> list[str]:
    """CSV columns: the fields of the chosen type's spec, or of every loaded spec for 'auto'."""
    from medxtract.understand.specs import load_specs

    specs = load_specs(settings.specs_dir)
    names: list[str] = []
    for name in [doc_type] if doc_type in specs else sorted(specs):
        names += [f for f in specs[name].fields if f not in names]
    return names


def _stdin_file(stack: ExitStack, settings: EngineSettings) -> Path:
    """`-` as input: stdin copied to a private temporary file, refused past the size limit
    (reading stops there, so a huge stream is never taken whole)."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="medxtract-")))
    path = folder / "stdin"
    limit = settings.max_upload_bytes
    with path.open("wb") as fh:
        size = 0
        while size <= limit and (chunk := sys.stdin.buffer.read(1 << 20)):
            fh.write(chunk)
            size += len(chunk)
    if size > limit:
        raise fail(f"stdin is larger than the limit of {limit} bytes", ExitCode.INPUT_TOO_LARGE)
    return path


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or globs; '-' reads stdin")],
    doc_type: TypeOpt = "auto",
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format")
    ] = OutputFormat.JSON,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write here ('-' or none: stdout)")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Skip documents already in --output (by sha256), append"),
    ] = False,
    workers: WorkersOpt = 1,
    specs: SpecsOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    log_format: LogFormatOpt = None,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Tell on stderr, per field, how its value was chosen"),
    ] = False,
) -> None:
    """Extract the fields of each document; results are written as each one finishes."""
    set_verbosity(quiet, verbose, log_format)
    settings = settings_for(specs)
    doc_type = checked_type(doc_type, settings)
    to_file = output not in (None, "-")
    if resume and not to_file:
        raise fail("--resume needs --output FILE", ExitCode.BAD_ARGS)
    with ExitStack() as stack:
        stdin_path = _stdin_file(stack, settings) if paths == ["-"] else None
        files = [stdin_path] if stdin_path else expand(paths)
        if not files:
            raise fail(
                f"no documents found in {', '.join(paths)} (accepted: {', '.join(ACCEPTED)})",
                ExitCode.NOT_FOUND,
            )
        columns = field_columns(settings, doc_type)
        earlier: list[dict[str, Any]] = []
        if resume:
            try:
                earlier = read_done(Path(str(output)), fmt, columns)
            except ResumeError as exc:
                raise fail(f"cannot resume: {exc}", ExitCode.BAD_ARGS) from None
            done = {r.get("sha256") for r in earlier}
            before = len(files)
            files = [p for p in files if sha256_of(p) not in done]
            info(f"resuming: {count(before - len(files), 'document')} already done")
        stream: IO[str] = sys.stdout
        if to_file:
            target = Path(str(output))
            target.parent.mkdir(parents=True, exist_ok=True)
            appending = resume and fmt is not OutputFormat.JSON and bool(earlier)
            stream = stack.enter_context(
                target.open("a" if appending else "w", encoding="utf-8", newline="")
            )
        writer = ResultWriter(
            stream, fmt, columns, appending=resume and bool(earlier), earlier=earlier
        )
        _extract_all(files, doc_type, settings, workers, writer, stdin_path, stack, explain)


def _extract_all(
    files: list[Path],
    doc_type: str,
    settings: EngineSettings,
    workers: int,
    writer: ResultWriter,
    stdin_path: Path | None,
    stack: ExitStack,
    explain: bool = False,
) -> None:
    interrupts = stack.enter_context(Interrupts())
    start = time.perf_counter()
    outcomes: list[Outcome] = []

    def keep(outcome: Outcome, row: dict[str, Any]) -> None:
        if stdin_path is not None and row.get("source") == str(stdin_path):
            row["source"] = "-"
        result = outcome.result
        if writer.fmt is OutputFormat.TEXT and result is not None and result.document:
            row["pages_text"] = [page.text for page in result.document.pages]
        if explain and result is not None:
            _explain(row.get("source", ""), result)
        with interrupts.writing():
            writer.write(row)
            outcomes.append(outcome)

    try:
        run_batch(files, doc_type, settings, workers, keep)
    except KeyboardInterrupt:
        writer.close()
        info(f"interrupted: {count(len(outcomes), 'document')} written; --resume continues")
        raise typer.Exit(INTERRUPTED) from None
    except MedxtractError as exc:
        writer.close()
        raise fail(exc.message, exc.exit_code) from None
    writer.close()
    _summary(outcomes, time.perf_counter() - start)
    raise typer.Exit(_batch_exit_code(outcomes))


def _explain(source: str, result: Any) -> None:
    """Per field: the decision, its confidence and flags (the values are in the output)."""
    err_console = Console(stderr=True, soft_wrap=True)
    err_console.print(
        f"[bold]{source}[/bold]: {result.document_type} ({result.type_confidence:.2f})",
        highlight=False,
    )
    for name, f in result.fields.items():
        review = " [yellow]review[/yellow]" if name in result.needs_review else ""
        flags = f" flags={','.join(f.flags)}" if f.flags else ""
        err_console.print(
            f"  {name:30s} {f.confidence:.2f}{review} {f.why or 'not found'}{flags}",
            highlight=False,
        )
        for loser in f.weighed or []:
            err_console.print(f"  {'':30s}      also weighed: {loser}", highlight=False)


def _summary(outcomes: list[Outcome], seconds: float) -> None:
    pages = sum(o.result.pages for o in outcomes if o.result)
    failed = sum(o.error is not None for o in outcomes)
    review = sum(bool(o.result.needs_review) for o in outcomes if o.result)
    rate = f" ({pages / seconds:.1f} pages/s)" if pages and seconds >= 0.05 else ""
    info(
        f"{count(len(outcomes), 'document')}, {count(pages, 'page')}, {failed} failed, "
        f"{review} {'needs' if review == 1 else 'need'} review in {seconds:.1f}s{rate}"
    )


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
    from medxtract.evaluate import EvalReport, score_outcomes, truth_pairs
    from medxtract.understand.specs import load_specs

    settings = settings_for(specs)
    doc_type = checked_type(doc_type, settings)
    pairs = truth_pairs(folder)
    if not pairs:
        raise fail(
            f"no NAME.truth.json beside a document ({', '.join(ACCEPTED)}) in {folder}",
            ExitCode.NOT_FOUND,
        )
    report = EvalReport(specs_dir=settings.specs_dir)
    outcomes = run_batch([d for d, _ in pairs], doc_type, settings, workers, lambda o, r: None)
    score_outcomes(report, [t for _, t in pairs], outcomes, load_specs(settings.specs_dir))
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
        loaded = load_specs(settings_for(specs_dir).specs_dir)
    except MedxtractError as exc:
        raise fail(exc.message, exc.exit_code) from None
    table = Table(title="Document types")
    for col in ("name", "title", "fields", "required"):
        table.add_column(col)
    for name, spec in sorted(loaded.items()):
        table.add_row(name, spec.title, str(len(spec.fields)), ", ".join(spec.required))
    Console().print(table)
    err.print(f"{len(loaded)} specs valid")


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it to this file, not stdout")
    ] = None,
) -> None:
    """Print the JSON Schema of an extraction result (docs/result.schema.json is its copy)."""
    from medxtract.result import schema_text

    if output is None:
        sys.stdout.write(schema_text())
        return
    try:
        output.write_text(schema_text(), encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror}", ExitCode.OTHER_ERROR) from None
    err.print(f"wrote {output}")
