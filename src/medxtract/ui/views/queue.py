"""Review queue: documents waiting for a person, least confident first."""

from __future__ import annotations

from typing import Any

import streamlit as st

from medxtract.ui import common
from medxtract.ui.client import ApiClient

MAX_ROWS = 200  # one button per row; beyond this a reviewer filters, not scrolls


def queue_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the table, kept in the service's order (least confident first)."""
    return [
        {
            "document": str(it["document_id"])[:8],
            "type": it.get("document_type") or "unknown",
            "received": _short_time(it.get("received_at")),
            "pages": it.get("pages"),
            "needs review": it.get("needs_review_count", 0),
            "lowest confidence": it.get("min_confidence"),
        }
        for it in items
    ]


def next_document(client: ApiClient, skip: str | None = None) -> str | None:
    """The least confident document still waiting, other than `skip`."""
    for it in client.review_queue():
        if str(it["document_id"]) != skip:
            return str(it["document_id"])
    return None


def render(client: ApiClient) -> None:
    st.title("Review queue")
    items = client.review_queue()
    if not items:
        st.info("Nothing waiting for review. Upload documents to fill the queue.")
        return
    st.caption(f"{len(items)} document(s) waiting, least confident first.")
    if st.button("Start reviewing", type="primary", shortcut="Ctrl+Enter", key="queue-start"):
        _open(str(items[0]["document_id"]))
    st.dataframe(
        queue_rows(items),
        hide_index=True,
        column_config={
            "lowest confidence": st.column_config.ProgressColumn(
                "lowest confidence", min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )
    for it in items[:MAX_ROWS]:
        doc = str(it["document_id"])
        c1, c2 = st.columns([8, 2], vertical_alignment="center")
        c1.write(
            f"`{doc[:8]}` · {it.get('document_type') or 'unknown'} · "
            f"{it.get('needs_review_count', 0)} field(s) to check"
        )
        if c2.button("Open", key=f"open-{doc}", help=f"Review document {doc}"):
            _open(doc)


def _open(doc: str) -> None:
    st.session_state[common.REVIEW_DOC] = doc
    common.go("review")


def _short_time(value: Any) -> str:
    return str(value or "").replace("T", " ")[:16]
