"""`medxtract watch DIR` as a real subprocess: files are taken only once complete, end in
done/ or failed/ with the reason, a restart recovers half-done files, SIGTERM ends it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = [sys.executable, "-m", "medxtract.cli"]


def _wait_for(check, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_watch_folder(seed_dir: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / ".processing").mkdir(parents=True)
    # a file a crashed run left half done: put back and done now
    (inbox / ".processing" / "crashed.pdf").write_bytes((seed_dir / "pre_2.pdf").read_bytes())
    # one that already stopped the watcher twice: failed, not retried for ever
    (inbox / ".processing" / "poison.pdf").write_bytes(b"%PDF-1.7 whatever")
    (inbox / ".processing" / ".attempts.json").write_text('{"poison.pdf": 2, "crashed.pdf": 1}')
    (inbox / "notes.txt").write_text("not a document")
    proc = subprocess.Popen(
        [*BIN, "watch", str(inbox), "--settle", "1.5", "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: (inbox / "done" / "crashed.pdf.json").exists())
        _wait_for(lambda: (inbox / "failed" / "notes.txt.reason.txt").exists())
        poison = (inbox / "failed" / "poison.pdf.reason.txt").read_text()
        assert poison.startswith("interrupted: the watcher stopped 2 times")
        reason = (inbox / "failed" / "notes.txt.reason.txt").read_text()
        assert reason.startswith("unsupported_input:")

        # a scanner writing slowly: the file grows for longer than the settle time
        data = (seed_dir / "pre_1.pdf").read_bytes()
        slow = inbox / "scan.pdf"
        step = len(data) // 6
        with slow.open("wb") as fh:
            for i in range(0, len(data), step):
                fh.write(data[i : i + step])
                fh.flush()
                time.sleep(0.6)  # well under the settle time between writes
                assert slow.exists(), "taken while still being written"
        _wait_for(lambda: (inbox / "done" / "scan.pdf.json").exists())
        result = json.loads((inbox / "done" / "scan.pdf.json").read_text())
        assert result["document_type"] == "prescription"
        assert result["fields"]["patient_name"]["value"] == "Maria Sharapova"
        assert (inbox / "done" / "scan.pdf").read_bytes() == data

        # the same name again does not overwrite the first
        (inbox / "scan.pdf").write_bytes(data)
        _wait_for(lambda: (inbox / "done" / "scan-1.pdf.json").exists())
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    assert proc.returncode == 0, stderr
    assert b"Traceback" not in stderr
    assert [p.name for p in (inbox / ".processing").iterdir()] == [".attempts.json"]
    assert json.loads((inbox / ".processing" / ".attempts.json").read_text()) == {}
    assert sorted(p.name for p in inbox.iterdir()) == [".processing", "done", "failed"]


def test_watch_refuses_a_missing_folder_and_unknown_type(tmp_path: Path) -> None:
    proc = subprocess.run([*BIN, "watch", str(tmp_path / "nope")], capture_output=True,
                          timeout=60)
    assert proc.returncode == 11 and b"not a folder" in proc.stderr
    proc = subprocess.run([*BIN, "watch", str(tmp_path), "-t", "invoice"], capture_output=True,
                          timeout=60)
    assert proc.returncode == 12 and b"unknown document type" in proc.stderr
