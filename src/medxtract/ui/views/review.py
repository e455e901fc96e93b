"""Review screen: the page image with every field's box beside typed editors.

Edits live in session_state under per-document keys, and a copy is kept as a draft
whenever approval fails, so nothing a reviewer typed is lost to a network error.
Keyboard: Tab walks the fields in order, Enter in a text field or Ctrl+Enter anywhere
approves, and the next least-confident document opens straight away.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from medxtract.ui import common
from medxtract.ui.boxes import boxes_on_page, draw_boxes
from medxtract.ui.client import ApiClient, ApiError, ApiUnreachable
from medxtract.ui.fields import (
    MEDICINE_COLUMNS,
    Editor,
    editor_for,
    from_widget,
    label,
    parse_iso_date,
    spec_fields,
    to_widget,
)
from medxtract.ui.views.queue import next_document

DRAFTS = "review_drafts"  # doc id -> {field: API value} kept after a failed approve
DOC_CACHE = "review_doc_cache"  # doc id -> last document fetched, to ride out API outages
TYPES_CACHE = "review_types_cache"  # the last GET /v1/document-types answer
APPROVE_SHORTCUT = "Ctrl+Enter"
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def wkey(doc_id: str, name: str) -> str:
    return f"edit:{doc_id}:{name}"


def field_label(
    name: str, field: dict[str, Any], needs_review: bool, spec: dict[str, Any] | None = None
) -> str:
    conf = field.get("confidence")
    pct = f" — {conf:.0%}" if isinstance(conf, int | float) else ""
    text = label(name, spec)
    return f"⚠ {text}{pct}" if needs_review else f"{text}{pct}"


def validate(edited: dict[str, Any], specs: dict[str, dict] | None = None) -> list[str]:
    """Problems that must be fixed before approval (kept small: the service validates too)."""
    problems = []
    for name, value in edited.items():
        is_date = (specs or {}).get(name, {}).get("type") == "date"
        if is_date and isinstance(value, str) and not parse_iso_date(value):
            problems.append(f"{label(name)}: '{value}' is not a date (use YYYY-MM-DD).")
    return problems


def approve(
    client: ApiClient, doc_id: str, edited: dict[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """Store the reviewed values; on failure keep them as a draft and say why."""
    try:
        res = client.approve(doc_id, edited)
    except ApiUnreachable as exc:
        st.session_state.setdefault(DRAFTS, {})[doc_id] = edited
        return None, common.unreachable_message(exc)
    except ApiError as exc:
        st.session_state.setdefault(DRAFTS, {})[doc_id] = edited
        return None, common.api_error_message(exc)
    st.session_state.get(DRAFTS, {}).pop(doc_id, None)
    return res, None


def load_document(client: ApiClient, doc_id: str) -> dict[str, Any]:
    """Fetch the document; if the API just went away, keep showing the last copy so the
    reviewer's open edits stay on screen (approving will say it failed, and keep them)."""
    cache = st.session_state.setdefault(DOC_CACHE, {})
    try:
        doc = client.document(doc_id)
    except ApiUnreachable as exc:
        if doc_id not in cache:
            raise
        st.error(common.unreachable_message(exc), icon=":material/cloud_off:")
        return cache[doc_id]
    cache.clear()  # one document is enough to bridge an outage
    cache[doc_id] = doc
    return doc


def forget_document(doc_id: str) -> None:
    """Drop this document's widget state so a later visit starts from the server's values."""
    prefixes = (f"edit:{doc_id}:", f"base:edit:{doc_id}:")
    for k in [k for k in st.session_state if str(k).startswith(prefixes)]:
        del st.session_state[k]
    st.session_state.get(DOC_CACHE, {}).pop(doc_id, None)


def render(client: ApiClient) -> None:
    doc_id = st.session_state.get(common.REVIEW_DOC) or st.query_params.get("doc")
    if not doc_id:
        doc_id = next_document(client)
        if doc_id is None:
            st.title("Review")
            st.info("The review queue is empty.")
            return
    st.session_state[common.REVIEW_DOC] = doc_id
    doc = load_document(client, doc_id)
    result = doc.get("result") or {}
    status = doc.get("status")
    st.title(f"Review · {doc.get('document_type') or 'unknown'}")
    st.caption(
        f"Document `{doc_id}` · received {str(doc.get('received_at') or '')[:16]} · "
        f"{doc.get('pages') or '?'} page(s) · type confidence "
        f"{(doc.get('type_confidence') or 0):.0%} · status **{status}**"
    )
    if status != "pending_review" or not result:
        _not_reviewable(client, doc_id, status)
        return
    fields: dict[str, dict[str, Any]] = result.get("fields") or {}
    needs = set(result.get("needs_review") or [])
    left, right = st.columns([3, 2], gap="large")
    with left:
        _page_view(client, doc_id, int(doc.get("pages") or result.get("pages") or 1), fields, needs)
    with right:
        specs = spec_fields(_document_types(client), doc.get("document_type"))
        _editor_form(client, doc_id, fields, needs, specs)
        _reject_form(client, doc_id)


def _not_reviewable(client: ApiClient, doc_id: str, status: str | None) -> None:
    if status == "processing":
        st.info("This document is still being extracted.")
        st.button("Refresh", key="review-refresh")
    else:
        st.info(f"This document is {status}; nothing to review.")
    if st.button("Next document", type="primary", key="review-next"):
        _open_next(client, doc_id)


def _page_view(
    client: ApiClient, doc_id: str, pages: int, fields: dict[str, dict], needs: set[str]
) -> None:
    names = list(fields)
    focus = st.selectbox(
        "Highlight field", [None, *names], key=f"focus:{doc_id}",
        format_func=lambda n: "—" if n is None else label(n),
    )
    page = 1
    if pages > 1:
        default = (fields.get(focus) or {}).get("page") or 1 if focus else 1
        page = st.segmented_control(
            "Page", list(range(1, pages + 1)), default=default, key=f"page:{doc_id}:{focus}",
        ) or default
    try:
        png = _page_png(client.base_url, client.token, doc_id, page)
    except ApiError as exc:
        st.warning(f"Page image unavailable: {common.api_error_message(exc)}")
        return
    except ApiUnreachable:
        st.warning("Page image unavailable while the API cannot be reached.")
        return
    boxes = boxes_on_page(fields, page, needs)
    st.image(draw_boxes(png, boxes, focus), width="stretch")
    st.caption("Blue: extracted · orange: needs review · red: highlighted field")


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _page_png(base_url: str, token: str, doc_id: str, page: int) -> bytes:
    # Page images never change for a document id, so they are cached across reruns (keyed
    # by the reviewer's token too: one reviewer's cache never serves another).
    return ApiClient(base_url, token=token).page_image(doc_id, page)


@st.cache_data(ttl=60, show_spinner=False)
def _types(base_url: str, token: str) -> list[dict[str, Any]]:
    # With the reviewer's own credential, as every other call (the UI holds no key).
    return ApiClient(base_url, token=token).document_types()


def _document_types(client: ApiClient) -> list[dict[str, Any]]:
    # The field types come from the service's loaded specs, not from field names; the last
    # answer is kept so an API outage does not change the editors under the reviewer.
    try:
        types = _types(client.base_url, client.token)
    except (ApiUnreachable, ApiError):
        return st.session_state.get(TYPES_CACHE, [])
    st.session_state[TYPES_CACHE] = types
    return types


def _editor_form(
    client: ApiClient, doc_id: str, fields: dict[str, dict], needs: set[str],
    specs: dict[str, dict],
) -> None:
    draft = st.session_state.get(DRAFTS, {}).get(doc_id, {})
    if needs:
        st.markdown(f"**{len(needs)} field(s) need review**, marked ⚠.")
    values: dict[str, tuple[Editor, Any]] = {}
    with st.form(f"review-form:{doc_id}", border=False, enter_to_submit=True):
        for name, f in fields.items():
            current = draft.get(name, f.get("value"))
            spec = specs.get(name, {})
            editor = editor_for(spec.get("type"), f.get("value"))
            values[name] = (
                editor, _editor(doc_id, name, f, editor, current, name in needs, spec)
            )
        approved = st.form_submit_button(
            "Approve and next", type="primary", shortcut=APPROVE_SHORTCUT,
            key=f"approve:{doc_id}",
        )
    if not approved:
        return
    edited = {name: from_widget(ed, v) for name, (ed, v) in values.items()}
    problems = validate(edited, specs)
    if problems:
        st.session_state.setdefault(DRAFTS, {})[doc_id] = edited
        st.error("Not approved: " + " ".join(problems))
        return
    res, error = approve(client, doc_id, edited)
    if error:
        st.error(f"Approve failed; your edits are kept. {error}")
        return
    n = len((res or {}).get("corrections") or [])
    common.flash(
        "success", f"Approved document {doc_id[:8]} as record {(res or {}).get('record_id')} "
        f"with {n} correction(s)."
    )
    forget_document(doc_id)
    _open_next(client, doc_id)


def _editor(
    doc_id: str, name: str, f: dict[str, Any], editor: Editor, current: Any, review: bool,
    spec: dict[str, Any],
) -> Any:
    key = wkey(doc_id, name)
    text = field_label(name, f, review, spec)
    choices = list(spec.get("choices") or [])
    help_ = _help(f)
    if editor is Editor.TABLE:
        # data_editor keeps only deltas in its key, so the base rows must stay fixed while
        # the widget lives; rebuild them (from the draft) only when the widget state is gone.
        st.markdown(text, help=help_)  # data_editor has no label of its own
        base_key = f"base:{key}"
        if key not in st.session_state or base_key not in st.session_state:
            st.session_state[base_key] = to_widget(editor, current) or []
        return st.data_editor(
            _frame(st.session_state[base_key]), key=key, num_rows="dynamic", hide_index=True,
            column_config={c: st.column_config.TextColumn(c.capitalize()) for c in
                           MEDICINE_COLUMNS},
        )
    if key not in st.session_state:
        st.session_state[key] = to_widget(editor, current, choices)
    if editor is Editor.DATE:
        return st.date_input(text, key=key, help=help_, min_value=MIN_DATE, max_value=MAX_DATE,
                             format="YYYY-MM-DD")
    if editor is Editor.BOOL:
        return st.radio(text, [True, False, None], key=key, help=help_, horizontal=True,
                        format_func=lambda v: {True: "Yes", False: "No", None: "—"}[v])
    if editor is Editor.CHOICE:
        return st.radio(text, [*choices, None], key=key, help=help_, horizontal=True,
                        format_func=lambda v: v or "—")
    if editor is Editor.INT:
        return st.number_input(text, key=key, help=help_, min_value=0, step=1)
    if editor is Editor.NUMBER:
        return st.number_input(text, key=key, help=help_, step=None, format="%g")
    return st.text_input(text, key=key, help=help_)


def _frame(rows: list[dict[str, str]]) -> Any:
    import pandas as pd  # streamlit depends on pandas; imported late to keep startup light

    return pd.DataFrame(rows, columns=list(MEDICINE_COLUMNS)).astype("string")


def _help(f: dict[str, Any]) -> str | None:
    parts = []
    if f.get("raw"):
        parts.append(f"Read as: {f['raw']}")
    if f.get("flags"):
        parts.append("Flags: " + ", ".join(map(str, f["flags"])))
    if f.get("page"):
        parts.append(f"Page {f['page']}")
    return " · ".join(parts) or None


def _reject_form(client: ApiClient, doc_id: str) -> None:
    with st.expander("Reject this document"), st.form(f"reject:{doc_id}", border=False):
        reason = st.text_input("Reason", key=f"reject-reason:{doc_id}")
        if st.form_submit_button("Reject"):
            if not reason.strip():
                st.error("Give a reason for rejecting.")
                return
            try:
                client.reject(doc_id, reason.strip())
            except (ApiUnreachable, ApiError) as exc:
                common.show_error(exc)
                return
            common.flash("warning", f"Rejected document {doc_id[:8]}.")
            forget_document(doc_id)
            _open_next(client, doc_id)


def _open_next(client: ApiClient, doc_id: str) -> None:
    nxt = next_document(client, skip=doc_id)
    if nxt is None:
        st.session_state.pop(common.REVIEW_DOC, None)
    else:
        st.session_state[common.REVIEW_DOC] = nxt
    st.query_params.pop("doc", None)
    st.rerun()
