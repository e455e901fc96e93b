"""The benchmark's documents: seed samples plus generated PDFs, each with its truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parents[3] / "samples" / "seed"


def _generate(out: Path, count: int, seed: int, variants: tuple[str, ...]) -> list[Path]:
    # In a child process, so rendering and degrading pages does not raise the peak
    # memory measured for our engine in this process.
    code = (
        "import sys, json; from medxtract.synth import generate;"
        "a = json.loads(sys.argv[1]);"
        "ps = generate(a[0], a[1], seed=a[2], variants=a[3], split='seed');"
        "print(json.dumps([str(p) for p in ps]))"
    )
    arg = json.dumps([str(out), count, seed, list(variants)])
    proc = subprocess.run(
        [sys.executable, "-c", code, arg], capture_output=True, text=True, check=True
    )
    return [Path(p) for p in json.loads(proc.stdout)]


def _generate_hard(out: Path, count: int, seed: int) -> list[Path]:
    """Faxes, hand-filled forms and curled rescans (medxtract.bench.hard), in a child."""
    code = (
        "import sys, json; from pathlib import Path; from medxtract.bench.hard import write;"
        "a = json.loads(sys.argv[1]);"
        "print(json.dumps([str(p) for p in write(Path(a[0]), a[1], a[2])]))"
    )
    arg = json.dumps([str(out), count, seed])
    proc = subprocess.run(
        [sys.executable, "-c", code, arg], capture_output=True, text=True, check=True
    )
    return [Path(p) for p in json.loads(proc.stdout)]


def _with_truth(paths: list[Path]) -> list[tuple[Path, dict]]:
    out = []
    for path in paths:
        truth = path.with_name(path.stem + ".truth.json")
        out.append((path, json.loads(truth.read_text(encoding="utf-8"))))
    return out


def build_corpus(root: Path, count: int, seed: int, which: str) -> dict[str, list]:
    """{"image": [(pdf, truth)], "hard": [...], "born-digital": [...]} for which in
    all|image|hard|born-digital."""
    corpora: dict[str, list] = {}
    if which in ("all", "image"):
        seeds = sorted(SEED_DIR.glob("*.pdf")) if SEED_DIR.is_dir() else []
        generated = _generate(root / "image", count, seed, ("scan", "photo")) if count else []
        corpora["image"] = _with_truth(seeds + generated)
    if which in ("all", "hard") and count:
        corpora["hard"] = _with_truth(_generate_hard(root / "hard", count, seed))
    if which in ("all", "born-digital"):
        corpora["born-digital"] = _with_truth(_generate(root / "clean", count, seed, ("clean",)))
    return {k: v for k, v in corpora.items() if v}
