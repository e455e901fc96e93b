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


# The generator's ALL_KINDS, VARIANTS and SPLITS, named here so `--help` lists them without
# loading reportlab and OpenCV (a test checks they stay the same).
class Kind(StrEnum):
    PRESCRIPTION = "prescription"
    PATIENT_DETAILS = "patient_details"
    NEGATIVE = "negative"


class Variant(StrEnum):
    CLEAN = "clean"
    SCAN = "scan"
    PHOTO = "photo"
    OVERLAY = "overlay"
    FAX = "fax"
    HANDWRITING = "handwriting"
    CURL = "curl"
    HEIC = "heic"


class Split(StrEnum):
    ALL = "all"
    DEV = "dev"
    HELDOUT = "heldout"
    SEED = "seed"


@app.command("synth")
def synth(
    out_dir: Path,
    count: Annotated[
        int, typer.Option("--count", min=1, help="Documents per kind and variant")
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same documents.")] = 0,
    kind: Annotated[
        list[Kind] | None,
        typer.Option("--kind", case_sensitive=False,
                     help="Repeatable; default prescription and patient_details"),
    ] = None,
    variant: Annotated[
        list[Variant] | None,
        typer.Option("--variant", case_sensitive=False, help="Repeatable; default all"),
    ] = None,
    split: Annotated[
        Split,
        typer.Option("--split", case_sensitive=False,
                     help="dev | heldout: families and wordings kept apart for honest "
                     "accuracy; seed: only the seed samples' own layouts and wordings"),
    ] = Split.ALL,
    family: Annotated[
        str | None, typer.Option("--family", help="Only this family (an id from docs/synth.md)")
    ] = None,
    negatives: Annotated[
        bool, typer.Option("--negatives", help="Mix in near-miss negatives and blank forms")
    ] = False,
) -> None:
    """Generate synthetic prescriptions and patient records, each with NAME.truth.json."""
    # Imported here so other commands start without loading reportlab / OpenCV.
    from medxtract.synth import KINDS, VARIANTS, generate
    from medxtract.synth.manifest import FAMILIES

    try:
        split = Split(split)  # also when called as a function with a plain string
    except ValueError:
        raise typer.BadParameter(
            f"unknown split {split!r}; choose from {', '.join(Split)}"
        ) from None
    kinds = tuple(Kind(k).value for k in kind) if kind else KINDS
    variants = tuple(Variant(v).value for v in variant) if variant else VARIANTS
    if family is not None:
        if family not in FAMILIES:
            raise typer.BadParameter(
                f"unknown family {family!r}; choose from {', '.join(FAMILIES)}"
            )
        if split == Split.DEV and FAMILIES[family][1]:
            raise typer.BadParameter(f"family {family!r} is held out; use --split heldout|all")
    paths = generate(
        out_dir,
        count,
        seed=seed,
        kinds=kinds,
        variants=variants,
        family=family,
        split=split.value,
        negatives=negatives,
    )
    per_kind = Counter(p.name.split("-")[0] for p in paths)
    summary = ", ".join(f"{n} {k}" for k, n in per_kind.items())
    Console(soft_wrap=True).print(
        f"[green]Wrote {counted(len(paths), 'document')}[/green] ({summary}; variants: "
        f"{', '.join(variants)}; split {split.value}; seed {seed}) to [bold]{out_dir}[/bold]"
    )
