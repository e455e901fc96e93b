"""Reading: bytes -> pages -> words with boxes (ingest, clean-up, OCR engines)."""
