"""Property-based run of the OpenAPI schema: no input makes the service answer 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from medxtract.service.api.app import create_app

from .conftest import make_settings

pytestmark = pytest.mark.slow

EXAMPLES = 20


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    s = make_settings(f"sqlite:///{tmp / 'st.db'}", tmp, auth="off", max_upload_bytes=1_000_000)
    application = create_app(s)
    from fastapi.testclient import TestClient

    with TestClient(application):  # runs the lifespan: migrations, pool
        yield application


def test_no_server_errors(app):
    # Driven by hand: schemathesis' pytest plugin does not load under this pytest.
    from hypothesis import given

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures = []
    n_ops = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        n_ops += 1

        @given(case=operation.as_strategy())
        # derandomize: the same cases every run, so the suite stays deterministic.
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert n_ops >= 15
    assert not failures, "\n\n".join(failures)
