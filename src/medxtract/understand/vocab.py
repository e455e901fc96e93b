"""The shared vocabulary (vocab.yaml) merged with one spec's additions, pre-tokenised."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from medxtract.understand.labels import Vocabulary, tokens
from medxtract.understand.specs.schema import DocumentSpec


@lru_cache
def _raw() -> dict[str, Any]:
    text = (resources.files("medxtract.understand") / "vocab.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _words(items: list[str]) -> frozenset[str]:
    return frozenset(w for item in items for w in tokens(str(item)))


@lru_cache
def drug_suffixes() -> frozenset[str]:
    """Words printed after a drug's name that belong to it: release forms and salts."""
    return _words(_raw()["drug_suffixes"])


@dataclass(frozen=True)
class Vocab:
    sections: dict[str, Vocabulary]
    kind_words: dict[str, frozenset[str]]  # every word of a section kind's headings
    section_words: dict[str, frozenset[str]]
    prescriber_marks: Vocabulary
    prescriber_titles: frozenset[str]
    other: Vocabulary
    dose_forms: frozenset[str]
    columns: dict[str, Vocabulary]
    sig_starts: frozenset[str]
    drug_suffixes: frozenset[str]
    # type -> (join, [(part, vocabulary)]) for values split over labelled boxes
    composites: dict[str, tuple[str, list[tuple[str, Vocabulary]]]]


_CACHE: dict[tuple[str, int], Vocab] = {}


def vocab_for(spec: DocumentSpec) -> Vocab:
    key = (spec.name, id(spec))
    if key not in _CACHE:
        _CACHE[key] = _build(spec)
    return _CACHE[key]


def _build(spec: DocumentSpec) -> Vocab:
    raw = _raw()
    kinds = {k: list(v) for k, v in raw["section_kinds"].items()}
    for k, v in spec.section_kinds.items():
        kinds.setdefault(k, []).extend(v)
    return Vocab(
        sections={k: Vocabulary(v) for k, v in kinds.items()},
        kind_words={k: _words(v) for k, v in kinds.items()},
        section_words={k: _words(v) for k, v in raw["section_words"].items()},
        prescriber_marks=Vocabulary(raw["prescriber_marks"]),
        prescriber_titles=frozenset(str(t) for t in raw["prescriber_titles"]),
        other=Vocabulary([*raw["other_labels"], *spec.other_labels]),
        dose_forms=_words(raw["dose_forms"]),
        columns={k: Vocabulary(v) for k, v in raw["table_columns"].items()},
        sig_starts=_words(raw["sig_starts"]),
        drug_suffixes=drug_suffixes(),
        composites={
            kind: (c["join"], [(part, Vocabulary(v)) for part, v in c["parts"].items()])
            for kind, c in raw["composites"].items()
        },
    )


def embedded_section(words: tuple[str, ...], vocab: Vocab) -> str | None:
    """The section a label names by itself ("Emergency contact name" -> emergency)."""
    for kind, ws in vocab.section_words.items():
        if any(w in ws for w in words):
            return kind
    return None
