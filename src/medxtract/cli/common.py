"""What the commands share: the stderr console, verbosity, counts in English, type checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from medxtract.config import Settings, get_settings
from medxtract.errors import ExitCode, MedxtractError
from medxtract.logs import configure

err = Console(stderr=True, highlight=False, soft_wrap=True)
cli_log = logging.getLogger("medxtract.cli")


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@dataclass
class Verbosity:
    quiet: bool = False
    verbose: int = 0
    log_format: LogFormat = LogFormat.TEXT

    @property
    def json(self) -> bool:
        return self.log_format is LogFormat.JSON


verbosity = Verbosity()

QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Only errors on stderr (no progress, no summary)")
]
VerboseOpt = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More log output (-vv for debug)")
]
SpecsOpt = Annotated[Path | None, typer.Option("--specs", help="Extra folder of YAML type specs")]
LogFormatOpt = Annotated[
    LogFormat | None,
    typer.Option(
        "--log-format", envvar="MEDXTRACT_LOG_FORMAT", case_sensitive=False,
        help="Log lines on stderr as text, or as json: one object a line, with an 'event'",
    ),
]
WorkersOpt = Annotated[
    int, typer.Option("--workers", "-w", min=1, help="Processes (one Tesseract each)")
]


def set_verbosity(quiet: bool, verbose: int, log_format: LogFormat | None = None) -> None:
    verbosity.quiet = verbosity.quiet or quiet
    verbosity.verbose = max(verbosity.verbose, verbose)
    verbosity.log_format = log_format or verbosity.log_format
    if not (verbosity.quiet or verbosity.verbose or verbosity.json):
        return  # logging is left as it is (serve and worker set up their own)
    level = logging.WARNING
    if verbosity.quiet:
        level = logging.ERROR
    elif verbosity.verbose:
        level = logging.DEBUG if verbosity.verbose > 1 else logging.INFO
    configure(level, verbosity.json)
    if verbosity.json:  # info() lines are log records then: let them through unless -q
        cli_log.setLevel(min(level, logging.INFO))


def info(message: str) -> None:
    """A progress or summary line on stderr, unless -q (a JSON log line with --log-format
    json, so that stderr stays one object a line)."""
    if verbosity.quiet:
        return
    if verbosity.json:
        cli_log.info(message, extra={"event": "cli.info"})
    else:
        err.print(message)


def error(message: str, markup: str = "error:") -> None:
    """An error line on stderr, always (a JSON log line with --log-format json)."""
    if verbosity.json:
        cli_log.error(message, extra={"event": "cli.error"})
    else:
        err.print(f"{markup} {message}")


def fail(message: str, code: ExitCode) -> typer.Exit:
    error(message)
    return typer.Exit(code)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 document', '2 documents', '0 pages'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def settings_for(specs: Path | None) -> Settings:
    settings = get_settings()
    return settings.model_copy(update={"specs_dir": specs}) if specs else settings


def checked_type(doc_type: str, settings: Settings) -> str:
    """The --type value, lower-cased and checked against the loaded specs once, up front."""
    from medxtract.understand.specs import load_specs

    try:
        specs = load_specs(settings.specs_dir)
    except MedxtractError as exc:
        raise fail(exc.message, exc.exit_code) from None
    name = doc_type.strip().lower()
    if name != "auto" and name not in specs:
        known = ", ".join(["auto", *sorted(specs)])
        raise fail(f"unknown document type '{doc_type}'; known: {known}", ExitCode.UNKNOWN_TYPE)
    return name


def shipped_types() -> str:
    """For --help: the shipped type names (a --specs folder may add more)."""
    from medxtract.understand.specs.loader import _builtin_files

    return ", ".join(["auto", *sorted(p.stem for p in _builtin_files())])
