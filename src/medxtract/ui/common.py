"""Helpers shared by the pages: the API client, error display, navigation, messages."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime

import streamlit as st

from medxtract.config import UISettings
from medxtract.ui.client import ApiClient, ApiError, ApiUnreachable

# session_state keys shared between pages
REVIEW_DOC = "review_doc"  # document id open on the review page
AUTH = "auth"  # {"token", "identity", "expires"}: the signed-in reviewer
FLASH = "flash"  # (kind, text) shown once on the next page render
PAGES = "_pages"  # name -> st.Page, set by app.py for st.switch_page


def client() -> ApiClient:
    """The API as the signed-in reviewer (their own token; the UI holds no key of its own)."""
    auth = st.session_state.get(AUTH) or {}
    return ApiClient(UISettings().api_url, token=auth.get("token", ""))


def signed_in() -> bool:
    auth = st.session_state.get(AUTH)
    if not auth:
        return False
    if auth["expires"] <= time.time():  # the API refuses it too; say so here first
        st.session_state.pop(AUTH, None)
        flash("warning", "Your session expired; sign in again.")
        return False
    return True


def reviewer() -> str:
    return (st.session_state.get(AUTH) or {}).get("identity", "")


def sign_in_form() -> None:
    """The only thing shown until a reviewer signs in."""
    st.title("Sign in")
    show_flash()
    with st.form("sign-in"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    api = ApiClient(UISettings().api_url)
    try:
        got = api.sign_in(username.strip(), password)
    except ApiUnreachable as exc:
        st.error(unreachable_message(exc), icon=":material/cloud_off:")
        return
    except ApiError as exc:
        st.error("Unknown reviewer or wrong password." if exc.status in (401, 422)
                 else api_error_message(exc))
        return
    expires = datetime.fromisoformat(got["expires_at"]).timestamp()
    st.session_state[AUTH] = {"token": got["token"], "identity": got["identity"],
                              "expires": expires}
    st.rerun()


def sign_out() -> None:
    with contextlib.suppress(ApiUnreachable, ApiError):  # else it runs out on its own
        client().sign_out()
    st.session_state.clear()


def unreachable_message(exc: ApiUnreachable) -> str:
    return (
        f"Cannot reach the medxtract API at {exc.url} ({exc.reason}). "
        "Check that the service is running (`medxtract serve`) and that "
        "MEDXTRACT_API_URL points at it."
    )


def api_error_message(exc: ApiError) -> str:
    if exc.status in (401, 403):
        return f"The API refused your sign-in ({exc.status} {exc.title}); sign in again."
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
        if not signed_in():
            sign_in_form()
            return
        show_flash()
        try:
            api = client()
            # The service decides: a token signed out or revoked elsewhere ends here (an
            # outage does not: the pages ride it out themselves, keeping drafts).
            with contextlib.suppress(ApiUnreachable):
                api.who_am_i()
            render(api)
        except ApiError as exc:
            if exc.status == 401:  # expired or revoked on the server: back to sign-in
                st.session_state.pop(AUTH, None)
                flash("warning", "Your session ended; sign in again.")
                st.rerun()
            show_error(exc)
        except ApiUnreachable as exc:
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
