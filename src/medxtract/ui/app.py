"""Streamlit entry point: `streamlit run` this file (or `medxtract ui`)."""

from __future__ import annotations

import streamlit as st

from medxtract.ui import common
from medxtract.ui.views import queue, records, review, upload


def sidebar() -> None:
    st.sidebar.caption(f"Signed in as **{common.reviewer().removeprefix('reviewer:')}**")
    if st.sidebar.button("Sign out", icon=":material/logout:"):
        common.sign_out()
        st.rerun()
    # Reachability itself is checked and reported by each page (common.guarded).
    st.sidebar.caption(f"API: {common.client().base_url}")


def main() -> None:
    st.set_page_config(
        page_title="medxtract review", page_icon=":material/medical_information:", layout="wide"
    )
    if not common.signed_in():
        # Whatever page the URL names, nothing but the sign-in form is shown.
        st.navigation([st.Page(common.sign_in_form, title="Sign in", icon=":material/login:")],
                      position="hidden").run()
        return
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
