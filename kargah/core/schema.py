"""The OpenAPI schema tells the truth about errors: each operation lists every error status it can answer, with the one error body."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

# The Error component is drf-spectacular's rendering of kargah.core.api.ErrorSerializer,
# which error_responses() puts on the operations: the serializer is the one description.
ERROR_REF = {"$ref": "#/components/schemas/Error"}

DESCRIPTIONS = {
    400: "The request is not valid (a field, a query parameter, the JSON body, text that is "
    "not valid Unicode, nesting deeper than 32 levels) or a rule refused it; nothing changed.",
    401: "Not signed in, or the token is not valid.",
    403: "Signed in, but not allowed to do this.",
    404: "Not found, or not the caller's (the same answer); also a page past the last.",
    406: "The Accept header asks for something other than JSON.",
    409: "Conflicts with the current state (e.g. a full class); nothing changed.",
    413: "The body is over the API's limit (KARGAH_API_MAX_BODY_BYTES, 64 KB by default).",
    415: "The body is not JSON.",
    422: "The Idempotency-Key was used before with another request.",
    429: "Too many requests; the Retry-After header says how many seconds to wait.",
    500: "An error on the server's side.",
    503: "Busy, or a service behind the API does not answer; try again (Retry-After).",
}


# Fields a PATCH must carry although drf-spectacular marks every field of a PATCH optional:
# a change to a child's data is saved only with the guardian's confirmation that it is
# true (R3; accounts.services.learner_update refuses without it, code confirm).
REQUIRED_IN_PATCH = {"PatchedLearner": ["data_confirmed"]}


def _statuses(operation: dict[str, Any]) -> set[int]:
    statuses = {400, 406, 500, 503}
    security = operation.get("security", [])
    if any(security):
        statuses.add(401)  # a token that is not valid is refused even where none is needed
    if security and {} not in security:
        statuses.add(403)  # signed in, but not in the role the operation needs
    parameters = operation.get("parameters", [])
    if any(p.get("in") == "path" or p.get("name") == "page" for p in parameters):
        statuses.add(404)
    if "requestBody" in operation:
        statuses |= {413, 415}
    return statuses


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: on each operation, the error statuses every
    operation of its kind can answer (views add their own, such as 409, 422 and 429, with
    `error_responses`); every error response described by the Error body."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "Error" not in schemas:
        raise ImproperlyConfigured(
            "No operation names kargah.core.api.ErrorSerializer (error_responses), so the "
            "schema has no Error component for the error answers to point to."
        )
    for name, required in REQUIRED_IN_PATCH.items():
        if name in schemas:
            schemas[name]["required"] = sorted({*schemas[name].get("required", []), *required})
    for path, methods in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation) | {int(code) for code in responses}:
                if status < 400:
                    continue
                answer = responses.setdefault(str(status), {})
                if not answer.get("description"):
                    answer["description"] = DESCRIPTIONS.get(status, "An error.")
                answer["content"] = {"application/json": {"schema": ERROR_REF}}
            operation["responses"] = dict(sorted(responses.items()))
    return result
