"""Document types as data: YAML specs validated into pydantic models at load time."""

from medxtract.understand.specs.loader import load_spec_file, load_specs
from medxtract.understand.specs.schema import DocumentSpec, FieldSpec

__all__ = ["DocumentSpec", "FieldSpec", "load_spec_file", "load_specs"]
