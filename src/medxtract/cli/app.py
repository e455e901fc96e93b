"""The `medxtract` command: one Typer app; each group of commands lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="medxtract",
    help="Turn medical PDFs and photos into verified, structured records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from medxtract.cli import extract_cmd, service_cmd, synth_cmd, ui_cmd  # noqa: F401


def main() -> None:
    _register()
    app()
