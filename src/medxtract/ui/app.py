"""Streamlit entry point: `streamlit run` this file (or `medxtract ui`)."""

from __future__ import annotations

import streamlit as st

from medxtract.ui import common
from medxtract.ui.views import queue, records, review, upload


def sidebar() -> None:
    st.sidebar.text_input(
        "Reviewer", value=common.reviewer(), key="reviewer-input", on_change=_set_reviewer
    )
    # Reachability itself is checked and reported by each page (common.guarded).
    st.sidebar.caption(f"API: {common.client().base_url}")


def _set_reviewer() -> None:
    st.session_state[common.REVIEWER] = st.session_state["reviewer-input"].strip() or "reviewer"


def main() -> None:
    st.set_page_config(
        page_title="medxtract review", page_icon=":material/medical_information:", layout="wide"
    )
    pages = {
        "queue": st.Page(
            common.guarded(queue.render),
            title="Review queue",
            icon=":material/inbox:",
            default=True,
        ),
        "review": st.Page(
            common.guarded(review.render),
            title="Review",
            icon=":material/fact_check:",
            url_path="review",
        ),
        "upload": st.Page(
            common.guarded(upload.render),
            title="Upload",
            icon=":material/upload_file:",
            url_path="upload",
        ),
        "records": st.Page(
            common.guarded(records.render),
            title="Records",
            icon=":material/table_view:",
            url_path="records",
        ),
    }
    st.session_state[common.PAGES] = pages
    current = st.navigation(list(pages.values()))
    sidebar()
    current.run()


main()
