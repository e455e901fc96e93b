"""Job status."""

from __future__ import annotations

from fastapi import APIRouter

from medxtract.service.api.deps import ApiKeyDep, SessionDep
from medxtract.service.models import Job
from medxtract.service.problems import get_or_404
from medxtract.service.schemas import JobPublic

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_job(job_id: str, session: SessionDep, _key: ApiKeyDep):
    return JobPublic.model_validate(get_or_404(session, Job, job_id, "job"))
