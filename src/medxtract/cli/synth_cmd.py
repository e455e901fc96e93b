"""`medxtract synth`: write synthetic forms with ground truth for accuracy measurement."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console

from medxtract.cli.app import app


@app.command("synth")
def synth(
    out_dir: Path,
    count: int = typer.Option(5, "--count", help="Documents per (kind, variant)."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same documents."),
    kind: list[str] = typer.Option(
        None, "--kind", help="prescription | patient_details (repeatable; default both)."
    ),
    variant: list[str] = typer.Option(
        None, "--variant", help="clean | scan | photo | overlay (repeatable; default all)."
    ),
) -> None:
    """Generate synthetic prescriptions and patient records, each with NAME.truth.json."""
    # Imported here so other commands start without loading reportlab / OpenCV.
    from medxtract.synth import KINDS, VARIANTS, generate

    kinds = tuple(kind) if kind else KINDS
    variants = tuple(variant) if variant else VARIANTS
    for name, given, allowed in (("kind", kinds, KINDS), ("variant", variants, VARIANTS)):
        bad = [g for g in given if g not in allowed]
        if bad:
            raise typer.BadParameter(f"unknown {name} {bad}; choose from {', '.join(allowed)}")
    paths = generate(out_dir, count, seed=seed, kinds=kinds, variants=variants)
    per_kind = Counter(p.name.split("-")[0] for p in paths)
    summary = ", ".join(f"{n} {k}" for k, n in per_kind.items())
    Console(soft_wrap=True).print(
        f"[green]Wrote {len(paths)} documents[/green] ({summary}; variants: "
        f"{', '.join(variants)}; seed {seed}) to [bold]{out_dir}[/bold]"
    )
