"""Understanding: words -> document type -> typed fields with provenance."""
