"""`medxtract synth`: write synthetic forms with ground truth for accuracy measurement."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from medxtract.cli.app import app
from medxtract.cli.common import count as counted


# The generator's KINDS and VARIANTS, named here so `--help` lists them without loading
# reportlab and OpenCV (a test checks the two stay the same).
class Kind(StrEnum):
    PRESCRIPTION = "prescription"
    PATIENT_DETAILS = "patient_details"


class Variant(StrEnum):
    CLEAN = "clean"
    SCAN = "scan"
    PHOTO = "photo"
    OVERLAY = "overlay"


@app.command("synth")
def synth(
    out_dir: Path,
    count: Annotated[
        int, typer.Option("--count", min=1, help="Documents per kind and variant")
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same documents.")] = 0,
    kind: Annotated[
        list[Kind] | None,
        typer.Option("--kind", case_sensitive=False, help="Repeatable; default both"),
    ] = None,
    variant: Annotated[
        list[Variant] | None,
        typer.Option("--variant", case_sensitive=False, help="Repeatable; default all"),
    ] = None,
) -> None:
    """Generate synthetic prescriptions and patient records, each with NAME.truth.json."""
    # Imported here so other commands start without loading reportlab / OpenCV.
    from medxtract.synth import KINDS, VARIANTS, generate

    kinds = tuple(Kind(k).value for k in kind) if kind else KINDS
    variants = tuple(Variant(v).value for v in variant) if variant else VARIANTS
    paths = generate(out_dir, count, seed=seed, kinds=kinds, variants=variants)
    per_kind = Counter(p.name.split("-")[0] for p in paths)
    summary = ", ".join(f"{n} {k}" for k, n in per_kind.items())
    Console(soft_wrap=True).print(
        f"[green]Wrote {counted(len(paths), 'document')}[/green] ({summary}; variants: "
        f"{', '.join(variants)}; seed {seed}) to [bold]{out_dir}[/bold]"
    )
