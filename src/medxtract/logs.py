"""Structured logs: every engine decision with its score, and one JSON object a line.

`decision("type.chosen", type="prescription", confidence=0.91)` logs to the
`medxtract.decisions` logger: a readable message, and the fields in the record's `extra`
(`record.event`, `record.decision`) for a formatter or a test to read. Decisions carry
names, numbers and flags only: never a field value, OCR text or a search term (patient
data). Documents are named by a sha256 prefix and pages by number, through `context()`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from numbers import Integral
from types import MappingProxyType

log = logging.getLogger("medxtract.decisions")

Plain = str | int | float | bool | None | Sequence[str]
# Who the decisions are about (doc, page): set by the pipeline, added to each decision.
_context: ContextVar[Mapping[str, Plain]] = ContextVar(
    "medxtract_log_context", default=MappingProxyType({})
)


@contextmanager
def context(**fields: Plain) -> Iterator[None]:
    """Add these fields (`doc=`, `page=`) to every decision logged inside the block."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def decision(event: str, level: int = logging.DEBUG, **fields: Plain) -> None:
    """Log one decision; numbers are rounded to 3 places, lists of names kept as lists."""
    if not log.isEnabledFor(level):
        return  # most runs log nothing: build no record
    data = {**_context.get(), **{k: _plain(v) for k, v in fields.items()}}
    text = " ".join(f"{k}={_text(v)}" for k, v in data.items())
    log.log(level, "%s %s", event, text, extra={"event": event, "decision": data})


def _plain(value: Plain) -> Plain:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Sequence):
        return [str(v) for v in value]  # names: flags, engines
    if isinstance(value, Integral):  # numpy's too
        return int(value)
    return round(float(value), 3)


def _text(value: Plain) -> str:
    if isinstance(value, list):
        return ",".join(value) or "-"
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, event; a decision's fields, or the
    message of any other record (its event is "log")."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": getattr(record, "event", "log"),
        }
        fields = getattr(record, "decision", None)
        if isinstance(fields, dict):
            out.update(fields)
        else:
            out["message"] = record.getMessage()
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure(level: int | str, json_lines: bool, fmt: str = TEXT_FORMAT) -> None:
    """Root logging to stderr at `level`, as JSON lines or as text in `fmt`."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(fmt))
    logging.basicConfig(level=level, handlers=[handler], force=True)
