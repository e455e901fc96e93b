"""Bad input over HTTP gets the right 4xx as problem+json, and the service keeps serving."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from fastapi.testclient import TestClient

from medxtract.service.api.app import create_app

from .conftest import API_KEY, SEED, make_settings


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge image (the pixels are never there)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def _encrypted_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="secret-password")
    c.drawString(100, 700, "Patient Medical Record")
    c.save()
    return buf.getvalue()


@pytest.fixture
def small_client(database, tmp_path):
    settings = make_settings(database, tmp_path, max_upload_bytes=3_000_000, max_pixels=50_000_000)
    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as c:
        yield c


def _post(client, data: bytes, name: str = "f.pdf", **form):
    return client.post("/v1/documents?wait=true", files={"file": (name, data)}, data=form)


@pytest.mark.parametrize("database", ["sqlite", pytest.param("mariadb", marks=pytest.mark.db),
                                      pytest.param("postgresql", marks=pytest.mark.db)],
                         indirect=True)
def test_bad_inputs_get_the_right_status(small_client):
    client = small_client
    pdf = (SEED / "pre_1.pdf").read_bytes()
    cases = [
        ("zero-byte", b"", {}, 400, "empty_input"),
        ("truncated", pdf[:3000], {}, 422, "corrupt_input"),
        ("encrypted", _encrypted_pdf(), {}, 422, "encrypted_input"),
        ("not a document", b"MZ\x90\x00 this is an exe" * 10, {}, 415, "unsupported_input"),
        ("pdf named .png", b"GIF89a...", {}, 415, "unsupported_input"),
        ("too large", b"%PDF-1.4\n" + b"0" * 3_100_000, {}, 413, "input_too_large"),
        ("bomb", _png_header(60_000, 60_000), {}, 413, "input_too_large"),
        ("broken image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, {}, 422, "invalid_image"),
        ("wrong type", pdf, {"document_type": "receipt"}, 422, "unknown_document_type"),
        ("bad callback", pdf, {"callback_url": "file:///etc/passwd"}, 422, "invalid_callback_url"),
    ]
    for what, data, form, status, code in cases:
        r = _post(client, data, **form)
        assert r.status_code == status, (what, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), what
        body = r.json()
        assert body["status"] == status and body["code"] == code, (what, body)
        assert client.get("/healthz").status_code == 200

    # missing or wrong key
    for headers in ({"X-API-Key": ""}, {"X-API-Key": "wrong"}):
        r = client.post("/v1/documents", files={"file": ("a.pdf", pdf)}, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = client.get("/v1/review-queue", headers={"X-API-Key": ""})
    assert r.status_code == 401

    # not found, bad review bodies
    assert client.get("/v1/documents/nope").status_code == 404
    assert client.get("/v1/jobs/nope").status_code == 404
    assert client.get("/v1/records/nope/fhir").status_code == 404
    # A paging number past any database's INTEGER is a 422, not a 500 (found by schemathesis).
    assert client.get("/v1/records", params={"offset": 2**64}).status_code == 422
    assert client.put("/v1/documents/nope/review",
                      json={"fields": {}, "reviewer": "x"}).status_code == 404
    assert client.put("/v1/documents/nope/review", json={"fields": "x"}).status_code == 422

    # and it still serves a good document
    r = _post(client, (SEED / "pre_2.pdf").read_bytes())
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done"
    doc_id = r.json()["document_id"]
    # review with a field the type does not have, or a badly typed value
    bad = client.put(f"/v1/documents/{doc_id}/review",
                     json={"fields": {"favourite_colour": "x"}, "reviewer": "a"})
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_field"
    bad = client.put(f"/v1/documents/{doc_id}/review",
                     json={"fields": {"date": "31/31/2022"}, "reviewer": "a"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_field_value"
    assert "31/31" not in bad.text
    bad = client.put(f"/v1/documents/{doc_id}/review",
                     json={"fields": {"refills": "many"}, "reviewer": "a"})
    assert bad.status_code == 422


def test_content_length_refused_before_reading(small_client):
    r = small_client.post("/v1/documents", content=b"x" * 10,
                          headers={"Content-Length": str(50_000_000),
                                   "Content-Type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413


def test_engine_refuses_a_bomb_it_is_given(tmp_path):
    """The engine's own pixel check (behind ours): InputTooLargeError before rendering."""
    from PIL import Image

    import medxtract
    from medxtract.config import EngineSettings
    from medxtract.errors import InputTooLargeError

    path = tmp_path / "big.png"
    Image.new("L", (3000, 3000), 255).save(path)
    with pytest.raises(InputTooLargeError):
        medxtract.extract(path, settings=EngineSettings(_env_file=None, max_pixels=1_000_000))


def test_auth_off_needs_no_key(database, tmp_path):
    settings = make_settings(database, tmp_path, auth="off", api_keys="")
    with TestClient(create_app(settings)) as c:
        assert c.get("/v1/review-queue").status_code == 200


def test_keys_from_the_database_are_hashed(database, tmp_path):
    from sqlalchemy import select

    from medxtract.service.db import session_scope
    from medxtract.service.models import ApiKey
    from medxtract.service.security import create_key

    settings = make_settings(database, tmp_path, api_keys="")
    with TestClient(create_app(settings)) as c:
        with session_scope(database) as s:
            key = create_key(s, "ops")
        with session_scope(database) as s:
            stored = s.execute(select(ApiKey.key_hash)).scalar_one()
        assert key not in stored and len(stored) == 64
        assert c.get("/v1/review-queue", headers={"X-API-Key": key}).status_code == 200
        assert c.get("/v1/review-queue", headers={"X-API-Key": stored}).status_code == 401
