"""Writing results as JSON, JSON lines or CSV (one row per document, one column per field)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from medxtract.batch import Outcome
from medxtract.errors import MedxtractError, exit_code_for

Format = Literal["json", "jsonl", "csv"]


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    if outcome.result is not None:
        return outcome.result.export()
    err = outcome.error
    return {
        "source": str(outcome.path),
        "error": {
            "code": getattr(err, "code", "internal_error"),
            "message": err.message if isinstance(err, MedxtractError) else f"internal error: {err}",
            "exit_code": int(exit_code_for(err)) if err else 0,
        },
    }


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(
            f"{v.get('name', '')} {v.get('strength', '')}".strip()
            if isinstance(v, dict)
            else str(v)
            for v in value
        )
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render(outcomes: list[Outcome], fmt: Format) -> str:
    rows = [outcome_dict(o) for o in outcomes]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    field_names: list[str] = []
    for o in outcomes:
        for name in o.result.fields if o.result else {}:
            if name not in field_names:
                field_names.append(name)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        [
            "source",
            "sha256",
            "document_type",
            "type_confidence",
            "pages",
            "needs_review",
            "error",
            *field_names,
        ]
    )
    for o in outcomes:
        r = o.result
        if r is None:
            writer.writerow([str(o.path), "", "", "", "", "", outcome_dict(o)["error"]["message"]])
            continue
        writer.writerow(
            [
                r.source,
                r.sha256,
                r.document_type,
                r.type_confidence,
                r.pages,
                " ".join(r.needs_review),
                "",
                *(cell(r.fields[n].value) if n in r.fields else "" for n in field_names),
            ]
        )
    return buf.getvalue()
