"""The service's only contact with the extraction engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

FALLBACK_TYPES = ("prescription", "patient_details")

# Field names of the shipped types (the typed record columns); a custom spec adds its own.
KNOWN_FIELDS: dict[str, tuple[str, ...]] = {
    "prescription": (
        "prescriber_name",
        "prescriber_address",
        "prescriber_phone",
        "patient_name",
        "date",
        "patient_address",
        "medicines",
        "directions",
        "refills",
    ),
    "patient_details": (
        "record_date",
        "patient_name",
        "birth_date",
        "phone",
        "address",
        "weight",
        "height",
        "emergency_contact_name",
        "emergency_contact_address",
        "emergency_contact_home_phone",
        "emergency_contact_work_phone",
        "chicken_pox",
        "measles",
        "hepatitis_b_vaccinated",
        "medical_problems",
        "has_insurance",
        "insurance_company",
        "policy_number",
        "insurance_address",
        "insurance_expiry",
        "allergies",
        "regular_medications",
    ),
}


def _load_specs(settings: Any) -> Any:
    from medxtract import specs  # the engine's spec loader

    extra = getattr(settings, "specs_dir", None) if settings is not None else None
    return specs.load_specs(extra) if extra else specs.load_specs()


def spec_names(settings: Any = None) -> tuple[str, ...]:
    """Names of the document types the engine knows (fallback: the shipped two)."""
    try:
        loaded = _load_specs(settings)
    except ImportError:
        return FALLBACK_TYPES
    names = list(loaded) if isinstance(loaded, dict) else [getattr(s, "name", s) for s in loaded]
    return tuple(str(n) for n in names) or FALLBACK_TYPES


def spec_fields(doc_type: str, settings: Any = None) -> tuple[str, ...]:
    """Field names of a document type (spec first, then the built-in list)."""
    names: list[str] = []
    try:
        loaded = _load_specs(settings)
        spec = loaded.get(doc_type) if isinstance(loaded, dict) else next(
            (s for s in loaded if getattr(s, "name", None) == doc_type), None
        )
        fields = getattr(spec, "fields", None) or []
        if isinstance(fields, dict):
            names = list(fields)
        else:
            names = [getattr(f, "name", f) for f in fields]
    except Exception:  # noqa: BLE001 - the spec loader is optional here
        names = []
    out = list(dict.fromkeys([*names, *KNOWN_FIELDS.get(doc_type, ())]))
    return tuple(str(n) for n in out)


NamesProvider = Callable[[], Iterable[str]]


def valid_types(provider: NamesProvider | None = None, settings: Any = None) -> set[str]:
    names = provider() if provider else spec_names(settings)
    return {"auto", *names}


def extract(path: Path, doc_type: str, settings: Any) -> dict[str, Any]:
    import medxtract

    result = medxtract.extract(Path(path), doc_type, settings=settings, filename=path.name)
    return result.export()


def render_page(path: Path, page: int, settings: Any) -> bytes:
    import medxtract

    return medxtract.render_page(Path(path), page, settings=settings)
