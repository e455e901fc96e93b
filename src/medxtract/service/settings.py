"""Service settings: the shared `Settings` plus the knobs only the service needs."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from medxtract.config import Settings


class ServiceSettings(Settings):
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
    webhook_retries: int = Field(4, description="Delivery attempts of a callback")
    webhook_timeout_s: float = Field(5.0, description="Timeout of one callback request")
    migrate_on_start: bool = Field(True, description="Apply migrations when the service starts")

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]


@lru_cache
def get_settings() -> ServiceSettings:
    return ServiceSettings()
