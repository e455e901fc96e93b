"""The service's only contact with the extraction engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medxtract.config import Settings


def _load_specs(settings: Settings | None) -> dict[str, Any]:
    from medxtract.understand.specs import (
        load_specs,  # the engine's spec loader, shipped and user types
    )

    return load_specs(settings.engine.specs_dir if settings is not None else None)


def specs(settings: Settings | None = None) -> dict[str, Any]:
    """The loaded document-type specs by name (shipped and the `specs_dir` folder)."""
    return _load_specs(settings)


def field_types(doc_type: str, settings: Settings | None = None) -> dict[str, str]:
    """Each field's type as its spec declares it (empty for a type no spec defines)."""
    spec = _load_specs(settings).get(doc_type)
    return {name: f.type for name, f in spec.fields.items()} if spec is not None else {}


def spec_names(settings: Settings | None = None) -> tuple[str, ...]:
    """Names of the document types the engine knows."""
    return tuple(_load_specs(settings))


def spec_fields(doc_type: str, settings: Settings | None = None) -> tuple[str, ...]:
    """Field names of a document type (empty for a type no spec defines)."""
    spec = _load_specs(settings).get(doc_type)
    return tuple(spec.fields) if spec is not None else ()


def valid_types(settings: Settings | None = None) -> set[str]:
    return {"auto", *spec_names(settings)}


def extract(path: Path, doc_type: str, settings: Settings) -> dict[str, Any]:
    import medxtract

    result = medxtract.extract(Path(path), doc_type, settings=settings.engine,
                               filename=path.name)
    return result.export()


def render_page(path: Path, page: int, settings: Settings) -> bytes:
    """PNG of the original page: the frame of the result's boxes, so the UI draws them on it."""
    import medxtract

    return medxtract.render_page(Path(path), page, settings=settings.engine)
