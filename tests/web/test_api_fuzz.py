"""Schemathesis against the OpenAPI document: every operation, with data that fits the
document and data that does not, answers a documented status with a body of its
documented schema, never a server error; data the document forbids is refused.

Bounded to about a minute (MAX_EXAMPLES per operation and mode, no deadline per example,
derandomized so a run is reproducible). The fuzzing account is a county manager of a
county no other test uses, with one instruction of its own, so what it changes cannot
disturb any other test."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from access import Scope
from ops import tokens, users
from web.openapi import SPEC

FUZZER, COUNTY, TOWNSHIP = "fuzz_manager", "610825000000", "610825101000"
MAX_EXAMPLES = 400
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
    allow_header_conformance,
]


@pytest.fixture(scope="module")
def fuzz_token(server) -> str:
    from ops import tasks as T
    from web import context
    from web.places import PLACES

    engine = context.ops()
    users.create(engine, FUZZER, "Fuzz-the-API-2026", "manager", COUNTY, 3)
    scope = Scope(FUZZER, "manager", COUNTY)
    T.create(
        engine,
        scope,
        {
            "title": "模糊测试的事项",
            "assignee_region": TOWNSHIP,
            "deadline": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
        PLACES,
    )
    _, tok = tokens.create(engine, FUZZER, "schemathesis")
    return tok


# The document as the app serves it (test_api checks the two are equal); loaded at import
# (schemathesis' lazy fixture loader does not run under this pytest), the app passed at
# each call.
schema = schemathesis.openapi.from_dict(SPEC)
schema.config.generation.update(max_examples=MAX_EXAMPLES)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
def test_the_api_keeps_its_document(case, server, fuzz_token):
    case.call_and_validate(
        app=server, headers={"Authorization": f"Bearer {fuzz_token}"}, checks=CHECKS
    )
