"""End to end in a real headless Chromium: real `medxtract serve` and `medxtract ui` processes.

Every page refuses without a sign-in; then sign in as a reviewer, upload a generated
prescription, open it from the queue, correct one field, approve from
the keyboard, and find the record with the correction. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import PASSWORD, REVIEWER, Service, free_port, running_service, stop, wait_http

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CORRECTED = "Corrected Browser Patient"
SLOW_MS = 180_000  # extraction of a clean page takes seconds; generous for slow machines


@pytest.fixture()
def stack(tmp_path: Path) -> Iterator[tuple[Service, str]]:
    """A fresh service (empty queue) and `medxtract ui` pointed at it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing (make system-deps)")
    with running_service(tmp_path) as service:
        port = free_port()
        # No key for the UI: it calls the API with the signed-in reviewer's token only.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEDXTRACT_")}
        code = "import sys; from medxtract.cli.app import main; sys.argv[0] = 'medxtract'; main()"
        cmd = [sys.executable, "-c", code, "ui", "--port", str(port), "--api-url", service.url]
        log = tmp_path / "ui.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{url}/_stcore/health", proc, 60, log)
            yield service, url
        finally:
            stop(proc)


def test_upload_review_approve_find_record(stack: tuple[Service, str], generated: dict) -> None:
    from playwright.sync_api import expect, sync_playwright

    service, ui = stack
    pdf: Path = generated["prescription"][0]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.set_default_timeout(60_000)
        try:
            # Without a sign-in every page shows the sign-in form and nothing else.
            for path in ("/upload", "/review", "/records", ""):
                page.goto(f"{ui}{path}")
                expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
                expect(page.get_by_role("button", name="Upload and extract")).to_have_count(0)
                expect(page.get_by_role("heading", name="Review queue")).to_have_count(0)
                expect(page.get_by_role("heading", name="Records")).to_have_count(0)
            page.get_by_role("textbox", name="Username").fill(REVIEWER)
            page.get_by_role("textbox", name="Password").fill("not the password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("Unknown reviewer or wrong password.")).to_be_visible()
            page.get_by_role("textbox", name="Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Review queue")).to_be_visible()

            # Upload, and watch the job's progress until it is extracted. (Moving between
            # pages in the app keeps the sign-in; a fresh load of the URL would not.)
            nav = page.get_by_test_id("stSidebarNav")
            nav.get_by_role("link", name="Upload").click()
            page.locator("input[type=file]").set_input_files(str(pdf))
            # The uploader reruns the page once the file is on the server: a click before
            # that lands is lost (seen under load), so wait for the file to be listed.
            expect(page.get_by_role("button", name=f"Remove {pdf.name}")).to_be_visible()
            page.get_by_role("button", name="Upload and extract").click()
            expect(page.get_by_text("1 of 1 extracted")).to_be_visible(timeout=SLOW_MS)

            # Queue: our document waits; open it.
            nav.get_by_role("link", name="Review queue").click()
            expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
            open_button = page.get_by_role("button", name="Open")
            expect(open_button).to_have_count(1)
            page.wait_for_timeout(500)  # let the table canvas paint before the screenshot
            page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
            open_button.click()

            # Review: page image with boxes beside the fields.
            name_box = page.get_by_role("textbox", name=re.compile("Patient name"))
            expect(name_box).to_be_visible()
            image = page.locator("[data-testid=stImage] img").first
            expect(image).to_be_visible()
            # Highlight the field about to be corrected: its box turns red on the page.
            before = image.get_attribute("src")
            page.get_by_role("combobox", name="Highlight field").click()
            page.get_by_role("option", name="Patient name").click()
            expect(image).not_to_have_attribute("src", before or "")
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)

            # Correct one field and approve without the mouse.
            name_box.fill(CORRECTED)
            name_box.press("Control+Enter")
            expect(page.get_by_text(re.compile("Approved document"))).to_be_visible()
            expect(page.get_by_text("The review queue is empty.")).to_be_visible()

            # Records: search by name finds it.
            nav.get_by_role("link", name="Records").click()
            search = page.get_by_role("textbox", name="Patient name contains")
            search.fill(CORRECTED.split()[1].lower())
            search.press("Enter")
            expect(page.get_by_text("1 record", exact=True)).to_be_visible()
            expect(page.get_by_role("combobox", name="Record")).to_have_value(re.compile(CORRECTED))
            page.get_by_text("Fields", exact=True).click()
            expect(page.get_by_test_id("stJson")).to_contain_text(CORRECTED)
            expect(page.get_by_role("button", name="Download FHIR bundle")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "records.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    records = service.client().records(q=CORRECTED)
    assert len(records) == 1
    corrections = service.client().record(str(records[0]["id"]))["corrections"]
    assert [c["new_value"] for c in corrections if c["field"] == "patient_name"] == [CORRECTED]
    # The approval is recorded under the reviewer who signed in, not a typed name.
    assert records[0]["reviewer"] == f"reviewer:{REVIEWER}"
    assert {c["reviewer"] for c in corrections} == {f"reviewer:{REVIEWER}"}
    if os.environ.get("MEDXTRACT_UPDATE_DOCS_SCREENSHOT"):
        shutil.copy(ARTIFACTS / "review.png", Path(__file__).resolve().parents[2] / "docs" /
                    "review-screen.png")
