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
        None,
        "--kind",
        help="prescription | patient_details | negative (repeatable; default the first two).",
    ),
    variant: list[str] = typer.Option(
        None,
        "--variant",
        help="clean | scan | photo | overlay | fax | handwriting | curl | heic "
        "(repeatable; default all).",
    ),
    split: str = typer.Option(
        "all",
        "--split",
        help="dev | heldout | all: which families and wordings to use; seed: only the "
        "seed samples' own layouts and wordings.",
    ),
    family: str = typer.Option(
        None, "--family", help="Only this family (an id from docs/synth.md)."
    ),
    negatives: bool = typer.Option(
        False, "--negatives", help="Mix in near-miss negatives and blank forms."
    ),
) -> None:
    """Generate synthetic prescriptions and patient records, each with NAME.truth.json."""
    # Imported here so other commands start without loading reportlab / OpenCV.
    from medxtract.synth import ALL_KINDS, KINDS, SPLITS, VARIANTS, generate
    from medxtract.synth.manifest import FAMILIES

    kinds = tuple(kind) if kind else KINDS
    variants = tuple(variant) if variant else VARIANTS
    for name, given, allowed in (
        ("kind", kinds, ALL_KINDS),
        ("variant", variants, VARIANTS),
        ("split", (split,), SPLITS),
    ):
        bad = [g for g in given if g not in allowed]
        if bad:
            raise typer.BadParameter(f"unknown {name} {bad}; choose from {', '.join(allowed)}")
    if family is not None:
        if family not in FAMILIES:
            raise typer.BadParameter(
                f"unknown family {family!r}; choose from {', '.join(FAMILIES)}"
            )
        if split == "dev" and FAMILIES[family][1]:
            raise typer.BadParameter(f"family {family!r} is held out; use --split heldout|all")
    paths = generate(
        out_dir,
        count,
        seed=seed,
        kinds=kinds,
        variants=variants,
        family=family,
        split=split,
        negatives=negatives,
    )
    per_kind = Counter(p.name.split("-")[0] for p in paths)
    summary = ", ".join(f"{n} {k}" for k, n in per_kind.items())
    Console(soft_wrap=True).print(
        f"[green]Wrote {len(paths)} documents[/green] ({summary}; variants: "
        f"{', '.join(variants)}; split {split}; seed {seed}) to [bold]{out_dir}[/bold]"
    )
