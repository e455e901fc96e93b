"""Helpers shared by the pages: the API client, error display, navigation, messages."""

from __future__ import annotations

import getpass
from collections.abc import Callable

import streamlit as st

from medxtract.ui.client import ApiClient, ApiError, ApiUnreachable

# session_state keys shared between pages
REVIEW_DOC = "review_doc"  # document id open on the review page
REVIEWER = "reviewer"
FLASH = "flash"  # (kind, text) shown once on the next page render
PAGES = "_pages"  # name -> st.Page, set by app.py for st.switch_page


def client() -> ApiClient:
    return ApiClient.from_settings()


def reviewer() -> str:
    if REVIEWER not in st.session_state:
        try:
            st.session_state[REVIEWER] = getpass.getuser()
        except Exception:  # no login name in some containers
            st.session_state[REVIEWER] = "reviewer"
    return st.session_state[REVIEWER]


def unreachable_message(exc: ApiUnreachable) -> str:
    return (
        f"Cannot reach the medxtract API at {exc.url} ({exc.reason}). "
        "Check that the service is running (`medxtract serve`) and that "
        "MEDXTRACT_API_URL points at it."
    )


def api_error_message(exc: ApiError) -> str:
    if exc.status in (401, 403):
        return f"The API refused the key ({exc.status} {exc.title}). Set MEDXTRACT_API_KEY."
    return f"The API answered {exc.status} {exc.title}" + (f": {exc.detail}" if exc.detail else "")


def show_error(exc: Exception) -> None:
    if isinstance(exc, ApiUnreachable):
        st.error(unreachable_message(exc), icon=":material/cloud_off:")
    elif isinstance(exc, ApiError):
        st.error(api_error_message(exc), icon=":material/error:")
    else:
        raise exc


def guarded(render: Callable[[ApiClient], None]) -> Callable[[], None]:
    """Wrap a page so any API failure becomes a plain message instead of a traceback."""

    def page() -> None:
        show_flash()
        try:
            render(client())
        except (ApiUnreachable, ApiError) as exc:
            show_error(exc)

    page.__name__ = getattr(render, "__module__", "page").rsplit(".", 1)[-1]
    return page


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    item = st.session_state.pop(FLASH, None)
    if item:
        kind, text = item
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(text)


def go(name: str) -> None:
    """Switch to another page; in a single-page test harness just rerun."""
    pages = st.session_state.get(PAGES) or {}
    if name in pages:
        st.switch_page(pages[name])
    st.rerun()
