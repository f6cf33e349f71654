"""Property tests over every API serializer that takes input (issue 8): whatever JSON values a
client sends, the answer is never a 500, and every refusal is the error contract in Persian."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.enrollment.tests.conftest import make_offering

pytestmark = pytest.mark.django_db

PERSIAN = re.compile(r"[\u0600-\u06FF]")

# Any JSON value: what a careless or hostile client may put in a field.
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)

ENDPOINTS = {
    "otp-request": ("post", "/api/v1/auth/otp/request", ["mobile"]),
    "otp-verify": ("post", "/api/v1/auth/otp/verify", ["mobile", "code"]),
    "staff-token": ("post", "/api/v1/auth/token", ["username", "password"]),
    "learner-create": (
        "post",
        "/api/v1/learners",
        [
            "first_name",
            "last_name",
            "birth_date_jalali",
            "national_code",
            "gender",
            "province",
            "school_grade",
            "data_confirmed",
        ],
    ),
    "learner-edit": (
        "patch",
        "/api/v1/learners/{learner}",
        ["first_name", "school_grade", "province", "data_confirmed"],
    ),
    "enrollment-create": ("post", "/api/v1/enrollments", ["offering", "learner", "accept_terms"]),
    "refund-request": ("post", "/api/v1/refund-requests", ["amount", "sheba", "account_holder"]),
    "top-up": ("post", "/api/v1/wallet/top-up", ["amount", "return_url"]),
    "offerings": (
        "get",
        "/api/v1/offerings",
        [
            "q",
            "category",
            "age",
            "fee_min",
            "fee_max",
            "weekday",
            "time_of_day",
            "registration_open",
            "page",
        ],
    ),
    "wallet": ("get", "/api/v1/wallet", ["limit"]),
}


def _bodies(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(fields, values))


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_no_input_gives_a_500_or_an_english_message(name):
    method, path, fields = ENDPOINTS[name]
    guardian = GuardianFactory.create()
    learner = LearnerFactory.create(family=guardian.family)
    make_offering()
    client = APIClient()
    client.force_authenticate(guardian)
    path = path.format(learner=learner.pk)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(_bodies(fields))
    def check(data: dict[str, Any]) -> None:
        if method == "get":
            query = {k: v if isinstance(v, str) else str(v) for k, v in data.items()}
            response = client.get(path, query)
        else:
            response = getattr(client, method)(path, data, format="json")
        assert response.status_code < 500, (data, response.content[:300])
        if response.status_code >= 400:
            body = response.json()
            assert set(body) >= {"detail", "code"}, body
            assert PERSIAN.search(body["detail"]), (data, body)
            for messages in body.get("errors", {}).values():
                assert all(PERSIAN.search(m) for m in messages), (data, body)

    check()
