"""The `medxtract` command: one Typer app; each group of commands lives in its own module."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from medxtract.cli.common import LogFormatOpt, QuietOpt, VerboseOpt, set_verbosity

app = typer.Typer(
    name="medxtract",
    help="Turn medical PDFs and photos into verified, structured records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"medxtract {version('medxtract')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("medxtract (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    _version_flag: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version"),
    ] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    log_format: LogFormatOpt = None,
) -> None:
    set_verbosity(quiet, verbose, log_format)


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from medxtract.cli import (  # noqa: F401
        extract_cmd,
        service_cmd,
        synth_cmd,
        ui_cmd,
        watch_cmd,
    )


def main() -> None:
    _register()
    app()
