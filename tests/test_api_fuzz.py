"""Schemathesis against the OpenAPI schema, in process (WSGI), as token users of three roles.

For every operation of the schema, Hypothesis generates requests that fit the schema (all three roles) and
requests that do not (the Head of Mission, who may write the most), on rows the role may see (real ids, with
their current version in If-Match so that updates reach validation and the services) and on random ids.
Every response must:
- not be a server error (5xx);
- have a status code, content type, headers and body the schema documents;
and no operation may accept a request without credentials (schemathesis' `ignored_auth` probes, plus an
explicit request without credentials to every operation, below).

Authorization per object (issue 15): every run also sends requests on ids the role may NOT see (rows of
another mission, another partner's rows, restricted security plans), and two checks apply to every response:
- `hidden_objects_are_not_found`: an operation on an id outside the user's scope answers 404, whatever the
  method and body (never 200, 403 or 400, which would say the object exists);
- `no_object_outside_the_scope`: a read (list or detail) returns only rows of the user's scope.
The `outsider` run is the Head of Mission of another mission, sent at this mission's ids.

Bounded and deterministic for CI: `derandomize=True`, no example database, a few examples per operation
(FUZZ_EXAMPLES, default 3), no deadline. Set FUZZ_EXAMPLES=50 for a deeper run by hand.
"""

from __future__ import annotations

import json
import os
import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mandate import access
from missions.services import api_token_create
from tests.api_support import resources

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Invalid input is expected to be refused; it must still be refused properly (4xx, documented, in the error shape).
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def hidden_objects_are_not_found(ctx, response, case):
    """An operation on a row outside the user's scope (or on no row at all) answers 404."""
    model, pk = _model_for(case.path), (case.path_parameters or {}).get("id")
    if model is None or not isinstance(pk, int) or pk in _scope_ids(case, model):
        return None
    if response.status_code != 404:
        raise AssertionError(
            f"{case.method} {case.formatted_path}: answered {response.status_code} for an id outside the scope"
        )
    return None


def no_object_outside_the_scope(ctx, response, case):
    """A read returns only rows of the user's scope (lists: every row of the page; details: the row)."""
    model = _model_for(case.path)
    if model is None or case.method.upper() != "GET" or response.status_code != 200:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    rows = body.get("results", []) if isinstance(body, dict) and "results" in body else [body]
    ids = {row.get("id") for row in rows if isinstance(row, dict)} - {None}
    outside = ids - _scope_ids(case, model)
    if outside:
        raise AssertionError(f"{case.method} {case.formatted_path}: returned rows outside the scope: {sorted(outside)}")
    return None


SCOPE_CHECKS = [hidden_objects_are_not_found, no_object_outside_the_scope]
# The Head of Mission may write almost everything, so the invalid input and the authentication probes (which
# do not depend on the role) go through that role; the others read and write within their narrower scopes.
RUNS = {
    "hom": [
        (GenerationMode.POSITIVE, [*RESPONSE_CHECKS, *SCOPE_CHECKS, ignored_auth]),
        (GenerationMode.NEGATIVE, NEGATIVE_CHECKS),
    ],
    "civilaffairs": [(GenerationMode.POSITIVE, [*RESPONSE_CHECKS, *SCOPE_CHECKS])],
    "partner1": [(GenerationMode.POSITIVE, [*RESPONSE_CHECKS, *SCOPE_CHECKS])],
    "outsider": [(GenerationMode.POSITIVE, [*RESPONSE_CHECKS, *SCOPE_CHECKS])],
}
MODELS = {f"/api/v1/{r.prefix}/": r for r in resources()}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker, _keep_the_test_connection):
    # The schema needs a signed-in user unless published (API_DOCS_PUBLIC): published for this load only.
    with django_db_blocker.unblock(), override_settings(API_DOCS_PUBLIC=True):
        return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(scope="module")
def _keep_the_test_connection():
    """The real WSGI handler closes the database connection at the end of each request (as Django's test
    client does not): that would end the test's transaction on PostgreSQL. Disconnected for this module."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    # Hundreds of requests a minute from one token is the point here, not abuse.
    # The throttle classes are bound to the views when they are defined, so the rates (read per request) go up.
    rates = {"token_burst": "1000000/minute", "token_sustained": "1000000/hour"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_CLASSES": [],
        "DEFAULT_THROTTLE_RATES": rates,
    }


def _model_for(path: str):
    from tests.api_support import model_of

    prefix = re.match(r"^/api/v1/[^/]+/", path)
    res = MODELS.get(prefix.group(0)) if prefix else None
    return model_of(res) if res else None


def _visible_ids(user, model) -> list[int]:
    return list(access.scope(user, model._default_manager.all()).values_list("pk", flat=True)[:3])


def _hidden_ids(user, model) -> list[int]:
    """A few rows the user may not see (another mission's, another partner's, a restricted plan's)."""
    visible = access.scope(user, model._default_manager.all()).values("pk")
    return list(model._default_manager.exclude(pk__in=visible).order_by("pk").values_list("pk", flat=True)[:3])


_CURRENT_USER = {}  # the user of the run in progress, for the scope checks (which see only the case)


def _scope_ids(case, model) -> set[int]:
    """Ids of `model` the run's user may see, read when checked: a create of the same run is in scope."""
    return set(access.scope(_CURRENT_USER["user"], model._default_manager.all()).values_list("pk", flat=True))


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _strategy(operation, user, mode):
    model = _model_for(operation.path)
    strategies = [operation.as_strategy(generation_mode=mode)]
    if "{id}" in operation.path and model is not None:
        for pk in _visible_ids(user, model) + _hidden_ids(user, model):
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters={"id": pk}))
    return st.one_of(strategies)


def _fix_version(case):
    """Updates of a real row carry its current version, so that fuzzed bodies reach validation and the service."""
    model = _model_for(case.path)
    pk = case.path_parameters.get("id") if case.path_parameters else None
    if case.method.upper() not in ("PUT", "PATCH") or model is None or not isinstance(pk, int):
        return
    version = model._default_manager.filter(pk=pk).values_list("version", flat=True).first()
    if version is not None and "If-Match" not in case.headers:
        case.headers["If-Match"] = f'"{version}"'


def _run(operation, user, headers, mode, checks) -> str | None:
    @given(case=_strategy(operation, user, mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        _fix_version(case)
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    try:
        fuzz()
    except Exception as exc:  # noqa: BLE001 - every failing operation is reported, not only the first
        return f"{operation.label} [{mode.value}]: {str(exc)[:1500]}"
    return None


@pytest.mark.parametrize("role", list(RUNS))
def test_fuzzing_the_schema_finds_no_server_error_and_no_undocumented_response(schema, world, role):
    user = world["users"][role]
    _CURRENT_USER["user"] = user
    _token, key = api_token_create(user=user, name="fuzzing")
    headers = {"Authorization": f"Bearer {key}"}
    failures = []

    for operation in _operations(schema):
        for mode, checks in RUNS[role]:
            failure = _run(operation, user, headers, mode, checks)
            if failure:
                failures.append(failure)

    assert not failures, "\n\n".join(failures)


def test_every_operation_of_the_schema_refuses_requests_without_credentials(schema, world):
    refused = {}
    for operation in _operations(schema):
        model = _model_for(operation.path)
        pk = model._default_manager.values_list("pk", flat=True).first() if model else 1
        # Every path parameter gets a value ({id}, and e.g. the {job_id} of an import's status).
        case = operation.Case(path_parameters=dict.fromkeys(re.findall(r"{(\w+)}", operation.path), pk))
        refused[operation.label] = case.call().status_code

    assert len(refused) >= len(resources()) * 2
    assert {label: status for label, status in refused.items() if status != 401} == {}
