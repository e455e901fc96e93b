"""The pages' logic through Streamlit's AppTest, against a real `medxtract serve`."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import medxtract.ui.app as ui_app
from medxtract.ui import common
from medxtract.ui.views.review import DRAFTS

from .conftest import Service, dead_url, upload_and_wait

APP_FILE = str(Path(ui_app.__file__))
TIMEOUT = 60


_SESSIONS: dict[str, dict] = {}


def view(name: str, auth: dict | None = None) -> AppTest:
    """One page on its own, wrapped exactly as app.py wraps it, signed in as `auth` (a fake,
    far-future session by default: enough where the API is never reached)."""
    script = (
        "from medxtract.ui import common\n"
        f"from medxtract.ui.views import {name}\n"
        f"common.guarded({name}.render)()\n"
    )
    at = AppTest.from_string(script, default_timeout=TIMEOUT)
    at.session_state[common.AUTH] = auth or _signed_in()
    return at


def _signed_in() -> dict:
    """The test service's reviewer session (made once), or a dummy when none runs."""
    import os

    url = os.environ.get("MEDXTRACT_API_URL", "")
    if url not in _SESSIONS:
        try:
            from datetime import datetime

            from medxtract.ui.client import ApiClient

            from .conftest import PASSWORD, REVIEWER

            got = ApiClient(url).sign_in(REVIEWER, PASSWORD)
            _SESSIONS[url] = {"token": got["token"], "identity": got["identity"],
                              "expires": datetime.fromisoformat(got["expires_at"]).timestamp()}
        except Exception:  # noqa: BLE001 - no service at that URL: the page says so itself
            return {"token": "none", "identity": "reviewer:nobody", "expires": 4e9}
    return _SESSIONS[url]


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def text_input(at: AppTest, label_part: str):  # noqa: ANN201 - AppTest widget type
    return next(w for w in at.text_input if label_part in w.label)


def test_app_opens_on_the_queue(ui_env: Service) -> None:
    at = AppTest.from_file(APP_FILE, default_timeout=TIMEOUT)
    at.session_state[common.AUTH] = ui_env.sign_in()
    at.run()
    assert not at.exception
    assert texts(at, "title") == ["Review queue"]
    assert not at.error


def test_app_asks_for_a_sign_in_first(ui_env: Service) -> None:
    at = AppTest.from_file(APP_FILE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert texts(at, "title") == ["Sign in"]
    at.text_input[0].set_value("rita")
    at.text_input[1].set_value("wrong password!")
    at.button[0].click().run()
    assert any("wrong password" in e for e in texts(at, "error"))
    assert texts(at, "title") == ["Sign in"]
    from .conftest import PASSWORD

    at.text_input[1].set_value(PASSWORD)
    at.button[0].click().run()
    assert texts(at, "title") == ["Review queue"], texts(at, "title")
    assert at.session_state[common.AUTH]["identity"] == "reviewer:rita"


@pytest.mark.parametrize("page", ["queue", "review", "upload", "records"])
def test_unreachable_api_is_said_plainly(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = dead_url()
    monkeypatch.setenv("MEDXTRACT_API_URL", url)
    at = view(page).run()
    assert not at.exception
    errors = texts(at, "error")
    assert any("Cannot reach the medxtract API" in e and url in e for e in errors), errors


def test_upload_many_files_and_follow_jobs(ui_env: Service, generated: dict) -> None:
    files = [generated["prescription"][0], generated["patient_details"][0]]
    at = view("upload").run()
    at.file_uploader[0].set_value([(p.name, p.read_bytes(), "application/pdf") for p in files])
    at.selectbox(key="upload_type").set_value("auto")
    at.button[0].click().run()
    assert not at.exception and not at.error
    jobs = at.session_state["upload_jobs"]
    assert [j["file"] for j in jobs] == [p.name for p in files]
    assert all(j["job_id"] and j["document_id"] for j in jobs)
    # Each run polls every job once, as the fragment does on its timer.
    deadline = time.monotonic() + 180
    while any(j["status"] not in ("done", "failed") for j in at.session_state["upload_jobs"]):
        assert time.monotonic() < deadline, at.session_state["upload_jobs"]
        time.sleep(0.5)
        at.run()
    assert [j["status"] for j in at.session_state["upload_jobs"]] == ["done", "done"]
    assert any("2 of 2 extracted" in p.proto.text for p in at.get("progress"))
    client = ui_env.client()
    types = [client.document(j["document_id"])["document_type"] for j in jobs]
    assert types == ["prescription", "patient_details"]


def test_upload_with_chosen_type(ui_env: Service, generated: dict) -> None:
    path = generated["prescription"][1]
    at = view("upload").run()
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "application/pdf"))
    at.selectbox(key="upload_type").set_value("prescription")
    at.button[0].click().run()
    job = at.session_state["upload_jobs"][0]
    assert job["status"] in ("queued", "running", "done"), job
    doc_id = upload_and_wait(ui_env.client(), path)  # same sha256: the same document back
    assert doc_id == job["document_id"]
    assert ui_env.client().document(doc_id)["document_type"] == "prescription"


def test_queue_lists_documents_and_opens_one(ui_env: Service, generated: dict) -> None:
    client = ui_env.client()
    doc_id = upload_and_wait(client, generated["prescription"][2])
    at = view("queue").run()
    assert not at.exception and not at.error
    queue = client.review_queue()
    confidences = [q["min_confidence"] for q in queue]
    assert confidences == sorted(confidences)  # least confident first, as shown
    opens = [b for b in at.button if b.key and b.key.startswith("open-")]
    assert [b.key for b in opens] == [f"open-{q['document_id']}" for q in queue]
    assert at.button(key="queue-start").proto.shortcut  # start reviewing from the keyboard
    at.button(key=f"open-{doc_id}").click().run()
    assert at.session_state["review_doc"] == doc_id


def _open_review(doc_id: str) -> AppTest:
    at = view("review")
    at.session_state["review_doc"] = doc_id
    at.run()
    assert not at.exception, at.exception
    return at


def test_review_typed_editors_and_approve_with_correction(
    ui_env: Service, generated: dict
) -> None:
    client = ui_env.client()
    doc_id = upload_and_wait(client, generated["prescription"][3])
    at = _open_review(doc_id)
    assert not at.error
    assert at.image, "the page image with boxes is shown"
    assert [d.label for d in at.date_input if d.label.startswith("Date")]
    assert [n.label for n in at.number_input if n.label.startswith("Refills")]
    assert at.data_editor, "medicines get a table editor"
    approve = at.button(key=f"approve:{doc_id}")
    assert approve.proto.shortcut, "approve has a keyboard shortcut"
    text_input(at, "Patient name").input("Corrected Person Alpha")
    approve.click().run()
    assert not at.exception
    assert any("Approved document" in s for s in texts(at, "success")), texts(at, "error")
    assert at.session_state["review_doc"] != doc_id  # moved on to the next document
    records = client.records(q="Corrected Person Alpha")
    assert [r["document_id"] for r in records] == [doc_id]
    rec = client.record(str(records[0]["id"]))
    fixes = {c["field"]: c for c in rec["corrections"]}
    assert fixes["patient_name"]["new_value"] == "Corrected Person Alpha"


def test_failed_approve_keeps_the_edits(
    ui_env: Service, generated: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = ui_env.client()
    doc_id = upload_and_wait(client, generated["prescription"][4])
    at = _open_review(doc_id)
    text_input(at, "Patient name").input("Kept Through Outage")
    monkeypatch.setenv("MEDXTRACT_API_URL", dead_url())  # the service goes away
    at.button(key=f"approve:{doc_id}").click().run()
    assert not at.exception
    assert any("edits are kept" in e for e in texts(at, "error")), texts(at, "error")
    assert text_input(at, "Patient name").value == "Kept Through Outage"
    assert at.session_state[DRAFTS][doc_id]["patient_name"] == "Kept Through Outage"
    monkeypatch.setenv("MEDXTRACT_API_URL", ui_env.url)  # and comes back
    at.run()
    assert text_input(at, "Patient name").value == "Kept Through Outage"
    at.button(key=f"approve:{doc_id}").click().run()
    assert any("Approved document" in s for s in texts(at, "success")), texts(at, "error")
    assert [r["document_id"] for r in client.records(q="Kept Through Outage")] == [doc_id]


def test_reject_needs_a_reason(ui_env: Service, generated: dict) -> None:
    client = ui_env.client()
    doc_id = upload_and_wait(client, generated["prescription"][5])
    at = _open_review(doc_id)
    reject = next(b for b in at.button if b.label == "Reject")
    reject.click().run()
    assert any("reason" in e for e in texts(at, "error"))
    at.text_input(key=f"reject-reason:{doc_id}").input("Not a medical document")
    next(b for b in at.button if b.label == "Reject").click().run()
    assert any("Rejected" in w for w in texts(at, "warning"))
    assert client.document(doc_id)["status"] == "rejected"


def test_records_search_and_exports(ui_env: Service, generated: dict) -> None:
    client = ui_env.client()
    doc_id = upload_and_wait(client, generated["patient_details"][1])
    fields = {k: f["value"] for k, f in client.document(doc_id)["result"]["fields"].items()}
    fields["patient_name"] = "Zelda Recordsearch"
    client.approve(doc_id, fields)

    at = view("records").run()
    assert not at.exception and not at.error
    at.text_input(key="rec-q").input("zelda recordsearch")
    at.button[0].click().run()
    assert "1 record" in texts(at, "caption")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download JSON", "Download FHIR bundle"]
    assert "Zelda Recordsearch" in client.records_csv(q="zelda recordsearch")
    rid = str(client.records(q="zelda recordsearch")[0]["id"])
    assert client.fhir(rid)["resourceType"] == "Bundle"

    at.selectbox(key="rec-type").set_value("prescription")
    at.button[0].click().run()
    assert "0 records" in texts(at, "caption")
    at.selectbox(key="rec-type").set_value("patient_details")
    at.date_input(key="rec-from").set_value(dt.date.today() + dt.timedelta(days=2))
    at.button[0].click().run()
    assert "0 records" in texts(at, "caption")
    at.date_input(key="rec-from").set_value(dt.date.today() - dt.timedelta(days=1))
    at.button[0].click().run()
    assert "1 record" in texts(at, "caption")


def test_multi_page_document_switches_pages(ui_env: Service, generated: dict) -> None:
    client = ui_env.client()
    doc_id = upload_and_wait(client, generated["patient_details"][0])
    doc = client.document(doc_id)
    assert doc["pages"] == 2
    at = _open_review(doc_id)
    assert not at.error
    switcher = at.segmented_control[0]
    assert switcher.options == ["1", "2"] and switcher.value == 1
    first = at.image[0].value
    switcher.set_value(2).run()
    assert not at.exception
    assert at.image[0].value != first  # the second page, with its own boxes
    # Yes/no and IMMUNE fields get choice editors, not free text.
    radios = {r.label.removeprefix("⚠ ").split(" — ")[0] for r in at.radio}
    assert {"Has insurance", "Measles", "Chicken pox"} <= radios
    # Picking a field on page 2 shows page 2.
    on_two = [n for n, f in doc["result"]["fields"].items() if f.get("page") == 2]
    if on_two:
        at.selectbox(key=f"focus:{doc_id}").set_value(on_two[0]).run()
        assert at.segmented_control[0].value == 2


@pytest.mark.parametrize("page", ["queue", "review", "upload", "records"])
def test_an_expired_or_revoked_sign_in_shows_only_the_sign_in_form(page: str,
                                                                    ui_env: Service) -> None:
    expired = {**ui_env.sign_in(), "expires": time.time() - 1}
    at = view(page, expired).run()
    assert not at.exception
    assert texts(at, "title") == ["Sign in"]
    assert any("expired" in w for w in texts(at, "warning"))
    # A token the service no longer knows (signed out elsewhere): back to the form too.
    revoked = {"token": "mxs_unknown", "identity": "reviewer:rita", "expires": time.time() + 60}
    at = view(page, revoked).run()
    assert not at.exception
    assert texts(at, "title") == ["Sign in"], texts(at, "title")
