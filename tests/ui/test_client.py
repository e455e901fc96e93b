"""The HTTP client against the real service: errors become the two exceptions pages show."""

from __future__ import annotations

import pytest

from medxtract.ui.client import ApiClient, ApiError, ApiUnreachable

from .conftest import Service, dead_url


def test_unreachable_is_its_own_error() -> None:
    url = dead_url()
    with pytest.raises(ApiUnreachable) as info:
        ApiClient(url).review_queue()
    assert info.value.url == url


def test_problem_details_become_api_errors(ui_service: Service) -> None:
    with pytest.raises(ApiError) as info:
        ui_service.client().document("no-such-document")
    assert info.value.status == 404
    with pytest.raises(ApiError) as info:
        ApiClient(ui_service.url, "wrong-key").review_queue()
    assert info.value.status == 401


def test_health_and_empty_filters(ui_service: Service) -> None:
    client = ui_service.client()
    assert client.health()
    assert isinstance(client.records(q="", document_type=None), list)
