"""Upload page: send one or many files, then follow their jobs by polling job status."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import streamlit as st

from medxtract.ui import common
from medxtract.ui.client import ApiClient, ApiError, ApiUnreachable

FILE_TYPES = ["pdf", "png", "jpg", "jpeg", "tif", "tiff", "webp"]
POLL_INTERVAL_S = 1.0
JOBS = "upload_jobs"
FINISHED = ("done", "failed")


@dataclass
class JobRow:
    file: str
    document_id: str | None
    job_id: str | None
    status: str  # queued | running | done | failed | error (upload refused)
    progress: float = 0.0
    duplicate: bool = False
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in (*FINISHED, "error")


def submit_files(
    client: ApiClient, files: list[tuple[str, bytes, str | None]], document_type: str
) -> list[JobRow]:
    """Upload each file; a refused file becomes an 'error' row instead of stopping the batch."""
    rows: list[JobRow] = []
    for name, content, mime in files:
        try:
            up = client.upload(name, content, document_type, mime)
            rows.append(JobRow(name, up.document_id, up.job_id, up.status, 0.0, up.duplicate))
        except ApiError as exc:
            rows.append(JobRow(name, None, None, "error", error=common.api_error_message(exc)))
    return rows


def refresh_jobs(client: ApiClient, rows: list[JobRow]) -> bool:
    """Poll every unfinished job once; returns True while any job is still running."""
    for row in rows:
        if row.finished or not row.job_id:
            continue
        job: dict[str, Any] = client.job(row.job_id)
        row.status = str(job.get("status", row.status))
        row.progress = float(job.get("progress") or 0.0)
        row.error = job.get("error")
        if row.status == "done":
            row.progress = 1.0
    return any(not r.finished for r in rows)


def type_choices(document_types: list[dict[str, Any]]) -> list[str]:
    """'auto', then every type the service's loaded specs define (shipped or added)."""
    return ["auto", *(t["name"] for t in document_types)]


def overall_progress(rows: list[JobRow]) -> float:
    return sum(1.0 if r.finished else r.progress for r in rows) / len(rows) if rows else 0.0


def render(client: ApiClient) -> None:
    st.title("Upload documents")
    client.health()  # say plainly that the API is down before anyone picks files
    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "PDFs or images", type=FILE_TYPES, accept_multiple_files=True, key="upload_files"
        )
        doc_type = st.selectbox(
            "Document type", type_choices(client.document_types()), key="upload_type",
            help="'auto' lets the engine detect the type from the text.",
        )
        sent = st.form_submit_button("Upload and extract", type="primary")
    if sent:
        if not files:
            st.warning("Choose at least one file first.")
        else:
            batch: list[tuple[str, bytes, str | None]] = [
                (f.name, f.getvalue(), f.type) for f in files
            ]
            rows = submit_files(client, batch, doc_type)
            st.session_state[JOBS] = [asdict(r) for r in rows] + st.session_state.get(JOBS, [])
    _jobs_panel()


def _jobs_panel() -> None:
    if not st.session_state.get(JOBS):
        return
    active = any(not JobRow(**r).finished for r in st.session_state[JOBS])
    # Re-run only this fragment every poll interval while jobs run; no polling when idle.
    st.fragment(run_every=POLL_INTERVAL_S if active else None)(_jobs_fragment)()


def _jobs_fragment() -> None:
    rows = [JobRow(**r) for r in st.session_state.get(JOBS, [])]
    was_active = any(not r.finished for r in rows)
    try:
        still_active = refresh_jobs(common.client(), rows)
    except (ApiUnreachable, ApiError) as exc:
        common.show_error(exc)
        return
    st.session_state[JOBS] = [asdict(r) for r in rows]
    done = sum(r.status == "done" for r in rows)
    st.subheader("Jobs")
    st.progress(overall_progress(rows), text=f"{done} of {len(rows)} extracted")
    for i, r in enumerate(rows):
        c1, c2, c3 = st.columns([4, 4, 2], vertical_alignment="center")
        c1.write(f"**{r.file}**" + (" · already uploaded" if r.duplicate else ""))
        if r.status in ("error", "failed"):
            c2.error(r.error or r.status)
        else:
            c2.progress(r.progress, text=r.status)
        if r.status == "done" and r.document_id and c3.button("Review", key=f"job-review-{i}"):
            st.session_state[common.REVIEW_DOC] = r.document_id
            common.go("review")
    if was_active and not still_active:
        # Rerun the whole page once so the fragment stops polling.
        st.rerun(scope="app")
