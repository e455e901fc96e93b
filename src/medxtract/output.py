"""Writing results as JSON, JSON lines or CSV; the one CSV writer of the CLI and the service.

Results are written one document at a time and flushed, so an interrupted batch keeps every
finished document, and `--resume` can tell which documents are done by their sha256.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from medxtract.errors import MedxtractError, exit_code_for

if TYPE_CHECKING:  # the service uses the CSV writer without loading the engine
    from medxtract.batch import Outcome

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BASE_COLUMNS = (
    "source",
    "sha256",
    "document_type",
    "type_confidence",
    "pages",
    "needs_review",
    "error",
)
BOX_DIGITS = 4


class OutputFormat(StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    TEXT = "text"  # the words read per page (OCR or text layer): why a document came back so


def safe_cell(value: Any) -> Any:
    """A CSV cell: text guarded against formula injection; numbers written as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list):
        text = "; ".join(_item_text(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _item_text(item: Any) -> str:
    if isinstance(item, dict) and "name" in item:  # a medicine: "name strength"
        return " ".join(str(item[k]) for k in ("name", "strength") if item.get(k)).strip()
    return str(item)


class GuardedCsvWriter:
    """csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, stream: IO[str]) -> None:
        self._raw = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._raw.writerow([safe_cell(v) for v in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = GuardedCsvWriter(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


def outcome_dict(outcome: Outcome, sha256: str | None = None) -> dict[str, Any]:
    if outcome.result is not None:
        return _round_boxes(outcome.result.export())
    err = outcome.error
    row: dict[str, Any] = {"source": str(outcome.path)}
    if sha256:
        row["sha256"] = sha256
    row["error"] = {
        "code": getattr(err, "code", "internal_error"),
        "message": err.message if isinstance(err, MedxtractError) else f"internal error: {err}",
        "exit_code": int(exit_code_for(err)) if err else 0,
    }
    return row


def _round_boxes(row: dict[str, Any]) -> dict[str, Any]:
    # Relative boxes need no more than 4 decimals (a tenth of a pixel on a 1000 px page).
    for f in row.get("fields", {}).values():
        if f.get("bbox"):
            f["bbox"] = [round(v, BOX_DIGITS) for v in f["bbox"]]
    return row


def csv_row(row: dict[str, Any], field_names: Sequence[str]) -> list[Any]:
    if "error" in row:
        return [row["source"], row.get("sha256", ""), "", "", "", "", row["error"]["message"]]
    fields = row.get("fields", {})
    return [
        row["source"],
        row["sha256"],
        row["document_type"],
        row["type_confidence"],
        row["pages"],
        " ".join(row["needs_review"]),
        "",
        *((fields.get(n) or {}).get("value") for n in field_names),
    ]


class ResultWriter:
    """Writes each outcome as soon as it is known, flushed; `close()` ends a JSON array."""

    def __init__(
        self,
        stream: IO[str],
        fmt: OutputFormat,
        field_names: Sequence[str],
        *,
        appending: bool = False,
        earlier: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.stream, self.fmt, self.field_names = stream, fmt, list(field_names)
        self.count = 0
        self._csv = GuardedCsvWriter(stream) if fmt is OutputFormat.CSV else None
        if fmt is OutputFormat.JSON:
            stream.write("[")
            for row in earlier:  # a resumed JSON array is written again, then continued
                self._write_json(row)
        elif self._csv is not None and not appending:
            self._csv.writerow([*BASE_COLUMNS, *self.field_names])
        stream.flush()

    def _write_json(self, row: dict[str, Any]) -> None:
        sep = ",\n" if self.count else "\n"
        self.stream.write(sep + json.dumps(row, indent=2, ensure_ascii=False))
        self.count += 1

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt is OutputFormat.JSON:
            self._write_json(row)
        elif self.fmt is OutputFormat.JSONL:
            self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif self.fmt is OutputFormat.TEXT:
            self.stream.write(f"=== {row.get('source')} ({row.get('document_type', 'error')})\n")
            for n, text in enumerate(row.get("pages_text") or [], 1):
                self.stream.write(f"--- page {n}\n{text}\n")
            if row.get("error"):
                self.stream.write(f"error: {row['error']}\n")
        else:
            assert self._csv is not None
            self._csv.writerow(csv_row(row, self.field_names))
        self.stream.flush()

    def close(self) -> None:
        if self.fmt is OutputFormat.JSON:
            self.stream.write("\n]\n")
        self.stream.flush()


class ResumeError(ValueError):
    """The existing output cannot be continued (message says why)."""


def read_done(path: Path, fmt: OutputFormat, field_names: Sequence[str]) -> list[dict[str, Any]]:
    """Rows already in an output file (for --resume); a torn last JSONL line is cut off."""
    if not path.is_file() or path.stat().st_size == 0:
        return []
    text = path.read_text(encoding="utf-8")
    if fmt is OutputFormat.JSON:
        try:
            rows = json.loads(text)
        except json.JSONDecodeError:
            raise ResumeError(
                f"{path} is not a complete JSON array (use --format jsonl for batches)"
            ) from None
        if not isinstance(rows, list):
            raise ResumeError(f"{path} is not a JSON array")
        return rows
    if fmt is OutputFormat.JSONL:
        lines = text.splitlines(keepends=True)
        rows = []
        for i, line in enumerate(lines):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                if i < len(lines) - 1:
                    raise ResumeError(f"{path}:{i + 1} is not a JSON line") from None
                rows.append(None)
            if not line.endswith("\n") or rows[-1] is None:  # cut short by a kill: drop it
                rows.pop()
                with path.open("r+b") as fh:
                    fh.truncate(len("".join(lines[:i]).encode("utf-8")))
        return rows
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    if header != [*BASE_COLUMNS, *field_names]:
        raise ResumeError(f"{path} has other columns than this run would write")
    return [{"sha256": r[1]} for r in reader if len(r) > 1]
