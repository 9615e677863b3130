"""The library's contract: importable on its own, one definition of each word, and the
gateway's library routes validate and document with it."""
import subprocess
import sys

import pytest
from marshmallow import ValidationError

from services.library import contract, domain, words


def test_the_contract_imports_without_sqlalchemy_eventlet_or_the_implementation():
    probe = ("import sys; import services.library.contract as c; "
             "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('sqlalchemy', 'eventlet', 'kombu') or m.startswith('nameko.') and "
             "m != 'nameko.exceptions' or m.split('.')[:3] in ("
             "['services', 'library', 'domain'], ['services', 'library', 'models'], "
             "['services', 'library', 'service'], ['services', 'library', 'queries'], "
             "['services', 'library', 'entrypoints'])); print(loaded)")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert run.stdout.strip() == "[]", run.stdout + run.stderr


def test_each_word_list_is_defined_once_with_its_chinese_names():
    assert contract.VENUE_KINDS is words.VENUE_KINDS is domain.VENUE_KINDS
    assert contract.RATINGS is domain.RATINGS and contract.CRITERIA is domain.CRITERIA
    assert contract.VENUE_KINDS["book_house"] == "职工书屋"
    assert list(contract.RATINGS) == ["excellent", "good", "pass", "fail"]  # best first
    assert contract.RATINGS["fail"] == "不合格"
    assert set(contract.LOAN_STATUSES) == {"open", "overdue", "returned"}


def test_a_venue_change_takes_any_subset_of_a_registrations_fields():
    assert set(contract.VenueChanges._declared_fields) == set(contract.VenueIn._declared_fields)
    assert contract.VenueChanges().load({}) == {}
    assert contract.VenueChanges().load({"seats": 5}) == {"seats": 5}
    with pytest.raises(ValidationError):
        contract.VenueChanges().load({"seats": "5"})  # JSON numbers only
    assert contract.VenueIn().load({"name": "x", "kind": "book_house", "county": "甘州区"})[
        "seats"] == 0


@pytest.mark.parametrize("schema, payload", [
    (contract.VenueIn, {"name": "x", "kind": "book_house", "county": "c", "host_union_id": 0}),
    (contract.MoveIn, {"venue_id": 2**31}),
    (contract.BookIn, {"isbn": "978\t7020002207", "title": "x"}),   # not as a client types it
    (contract.EvaluationFilter, {"period": "2026-Q5"}),
    (contract.CloseIn, {"reason": "  "}),
    (contract.SeasonFilter, {"year": 1999}),
])
def test_the_gateways_checks_are_the_contracts(schema, payload):
    with pytest.raises(ValidationError):
        schema().load(payload)


def test_the_gateways_library_routes_use_the_contract():
    from gateway.openapi import routes_of
    from gateway.routes.library import LibraryRoutes
    from gateway.routes import library_schemas
    http_only = {library_schemas.LoanCreate, library_schemas.RenewBody}
    used = set()
    for _, _, route in routes_of(LibraryRoutes):
        for schema in (route.body_schema, route.query_schema):
            if schema is not None:
                used.add(type(schema))
        if route.response_schema is not None:
            response = route.response_schema
            used.add(response if isinstance(response, type) else type(response))
    for schema in used - http_only:
        owners = [base.__module__ for base in schema.__mro__]
        assert any(m.startswith("services.library.contract") for m in owners) or \
            schema.__module__ == "gateway.schemas", schema
    assert issubclass(library_schemas.LoanCreate, contract.LoanIn)
