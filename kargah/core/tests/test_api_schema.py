"""The schema tells the truth (issue 8, finding 4): every error status with the one error body,
null only where it is allowed, and the bounds the API enforces; values inside them accepted."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from kargah.accounts.tests.factories import GuardianFactory
from kargah.core.api import ErrorSerializer
from kargah.enrollment.tests.conftest import make_offering

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def error_ref(operation: dict[str, Any], status: int) -> Any:
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]


def test_every_operation_lists_its_error_statuses_with_the_error_body(schema):
    error = schema["components"]["schemas"]["Error"]
    assert sorted(error["required"]) == ["code", "detail"]
    assert list(error["properties"]) == list(ErrorSerializer().fields)  # one source
    for path, method, operation in operations(schema):
        listed = {int(code) for code in operation["responses"]}
        assert {400, 406, 500, 503} <= listed, (path, method)
        if "requestBody" in operation:
            assert {413, 415} <= listed, (path, method)
        if "{" in path:
            assert 404 in listed, (path, method)
        for status in listed:
            if status >= 400:
                assert error_ref(operation, status) == ERROR_REF, (path, method, status)


def test_specific_statuses_are_listed_where_they_happen(schema):
    paths = schema["paths"]
    assert "429" in paths["/api/v1/auth/otp/request"]["post"]["responses"]
    assert "429" in paths["/api/v1/auth/otp/verify"]["post"]["responses"]
    assert "429" in paths["/api/v1/auth/token"]["post"]["responses"]
    assert "401" in paths["/api/v1/me"]["get"]["responses"]
    assert "404" in paths["/api/v1/offerings"]["get"]["responses"]  # a page past the last
    for path in ("/api/v1/enrollments", "/api/v1/refund-requests", "/api/v1/wallet/top-up"):
        assert {"409", "422"} <= set(paths[path]["post"]["responses"]), path


def test_me_center_is_nullable_and_null_for_a_guardian(schema):
    center = schema["components"]["schemas"]["Me"]["properties"]["center"]
    assert center["nullable"] is True
    client = APIClient()
    client.force_authenticate(GuardianFactory.create())
    assert client.get("/api/v1/me").json()["center"] is None


def test_a_learner_patch_must_carry_data_confirmed(schema):
    assert "data_confirmed" in schema["components"]["schemas"]["PatchedLearner"]["required"]


def _parameter(schema: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = schema["paths"][path]["get"]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name)


@pytest.mark.parametrize(
    ("name", "minimum"),
    [("category", 1), ("center", 1), ("age_group", 1), ("province", 1), ("age", 0),
     ("fee_min", 0), ("fee_max", 0), ("seats_left_min", 0), ("weekday", 0)],
)  # fmt: skip
def test_catalog_filters_declare_the_minimum_they_enforce(schema, name, minimum):
    declared = _parameter(schema, "/api/v1/offerings", name)
    assert declared["minimum"] == minimum
    accepted = APIClient().get("/api/v1/offerings", {name: minimum})
    refused = APIClient().get("/api/v1/offerings", {name: minimum - 1})
    assert accepted.status_code in (200, 400)  # 400 only for an id that does not exist
    if minimum == 0:
        assert accepted.status_code == 200
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid"


def test_wallet_limit_bounds_are_declared_and_kept(schema):
    declared = _parameter(schema, "/api/v1/wallet", "limit")
    assert (declared["minimum"], declared["maximum"]) == (1, 500)
    client = APIClient()
    client.force_authenticate(GuardianFactory.create())
    assert client.get("/api/v1/wallet", {"limit": 1}).status_code == 200
    assert client.get("/api/v1/wallet", {"limit": 500}).status_code == 200
    assert client.get("/api/v1/wallet", {"limit": 0}).status_code == 400


@pytest.mark.parametrize("page", ["0", "abc", "999", "null", "-1"])
def test_junk_pages_are_a_json_404(page):
    make_offering()
    response = APIClient().get("/api/v1/offerings", {"page": page})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("fee", ["0.5", "۲٫۵", "1,5", "10,00", "1.500.000", "۱٫۵۰۰٫۰۰۰"])
def test_a_fee_with_a_decimal_point_is_refused_not_misread(fee):
    response = APIClient().get("/api/v1/offerings", {"fee_min": fee})
    assert response.status_code == 400
    assert "fee_min" in response.json()["errors"]


@pytest.mark.parametrize("fee", ["1,500,000", "۱٬۵۰۰٬۰۰۰", "1500000"])
def test_a_fee_with_thousands_separators_is_read(fee):
    assert APIClient().get("/api/v1/offerings", {"fee_min": fee}).status_code == 200
