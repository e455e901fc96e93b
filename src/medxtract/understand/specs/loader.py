"""Load and validate specs; an error names the file and the line of the offending key."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from medxtract.errors import SpecError
from medxtract.understand.specs.schema import DocumentSpec

BUILTIN = "builtin"


def load_spec_file(path: Path) -> DocumentSpec:
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a spec must be a mapping")
    try:
        return DocumentSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        line = _line_of(node, err["loc"])
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise SpecError(f"{path}:{line}: {where}: {err['msg']}") from exc


def _line_of(node: yaml.Node | None, loc: tuple) -> int:
    """Follow the error path through the YAML node tree to the nearest line we can name."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == key), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _builtin_files() -> list[Path]:
    folder = resources.files("medxtract.understand.specs") / "data"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".yaml", ".yml")))


@lru_cache(maxsize=8)
def _load(extra_dir: Path | None) -> dict[str, DocumentSpec]:
    files = _builtin_files()
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise SpecError(f"specs folder not found: {extra_dir}")
        files += sorted([*extra_dir.glob("*.yaml"), *extra_dir.glob("*.yml")])
    specs: dict[str, DocumentSpec] = {}
    for path in files:
        spec = load_spec_file(path)
        specs[spec.name] = spec  # a user's spec of the same name replaces the shipped one
    return specs


def load_specs(extra_dir: Path | None = None) -> dict[str, DocumentSpec]:
    """Shipped specs plus those in `extra_dir` (or the `specs_dir` setting)."""
    if extra_dir is None:
        from medxtract.config import get_settings

        extra_dir = get_settings().engine.specs_dir
    return _load(Path(extra_dir) if extra_dir else None)
