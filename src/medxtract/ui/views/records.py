"""Verified records: search by patient name, type and date; export CSV, JSON and FHIR."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import streamlit as st

from medxtract.ui.client import ApiClient


def search_filters(
    name: str, document_type: str | None, date_from: dt.date | None, date_to: dt.date | None
) -> dict[str, str]:
    """The query for GET /v1/records; blank filters are left out."""
    out = {
        "q": name.strip(),
        "document_type": document_type or "",
        "date_from": date_from.isoformat() if date_from else "",
        "date_to": date_to.isoformat() if date_to else "",
    }
    return {k: v for k, v in out.items() if v}


def table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "record": r.get("id"),
            "patient": r.get("patient_name"),
            "type": r.get("document_type"),
            "verified": str(r.get("verified_at") or "").replace("T", " ")[:16],
            "reviewer": r.get("reviewer"),
            "document": str(r.get("document_id") or "")[:8],
        }
        for r in records
    ]


def render(client: ApiClient) -> None:
    st.title("Verified records")
    with st.form("records-search", border=False):
        c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
        name = c1.text_input("Patient name contains", key="rec-q")
        types = [None, *(t["name"] for t in client.document_types())]
        doc_type = c2.selectbox("Type", types, key="rec-type", format_func=lambda t: t or "any")
        date_from = c3.date_input("Verified from", value=None, key="rec-from")
        date_to = c4.date_input("Verified to", value=None, key="rec-to")
        st.form_submit_button("Search")
    filters = search_filters(name, doc_type, date_from, date_to)
    page = client.records_page(**filters)
    records = page["items"]
    shown = f"{len(records)} of {page['count']}" if page["count"] > len(records) else len(records)
    st.caption(f"{shown} record{'' if page['count'] == 1 else 's'}")
    if not records:
        st.info("No verified records match.")
        return
    st.dataframe(table(records), hide_index=True)
    stamp = dt.date.today().isoformat()
    d1, d2, _ = st.columns([2, 2, 6])
    d1.download_button(
        "Download CSV", client.records_csv(**filters), f"records-{stamp}.csv", "text/csv",
        key="dl-csv", on_click="ignore",
    )
    d2.download_button(
        "Download JSON", json.dumps(records, indent=2, default=str), f"records-{stamp}.json",
        "application/json", key="dl-json", on_click="ignore",
    )
    _record_detail(client, records)


def _record_detail(client: ApiClient, records: list[dict[str, Any]]) -> None:
    ids = [str(r["id"]) for r in records]
    names = {str(r["id"]): r.get("patient_name") or "?" for r in records}
    rid = st.selectbox(
        "Record", ids, key="rec-pick", format_func=lambda i: f"{i} · {names[i]}"
    )
    if rid is None:
        return
    rec = client.record(rid)
    fhir = client.fhir(rid)
    st.download_button(
        "Download FHIR bundle", json.dumps(fhir, indent=2), f"record-{rid}-fhir.json",
        "application/fhir+json", key="dl-fhir", on_click="ignore",
    )
    corrections = rec.get("corrections") or []
    st.subheader("Corrections made by the reviewer")
    if corrections:
        st.dataframe(
            [{**c, "old_value": _show(c.get("old_value")), "new_value": _show(c.get("new_value"))}
             for c in corrections],
            hide_index=True,
        )
    else:
        st.caption("None: the reviewer accepted every extracted value.")
    with st.expander("Fields"):
        st.json(rec.get("fields") or {})


def _show(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, default=str)
