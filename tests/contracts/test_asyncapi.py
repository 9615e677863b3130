"""The committed AsyncAPI document is the one the code generates: it cannot drift."""
import json
from pathlib import Path

from services import asyncapi, catalogue

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def test_the_committed_document_matches_the_catalogue():
    assert COMMITTED.read_text(encoding="utf-8") == asyncapi.render(), (
        "docs/asyncapi.json is stale: run "
        "`.venv/bin/python -m services.asyncapi > docs/asyncapi.json`")


def test_every_event_has_a_channel_with_its_producer_consumers_and_schema():
    document = json.loads(asyncapi.render())
    assert document["asyncapi"].startswith("2.")
    for spec in catalogue.specs():
        channel = document["channels"]["%s.events/%s" % (spec.producer, spec.event_type)]
        ref = channel["subscribe"]["message"]["$ref"].rsplit("/", 1)[1]
        message = document["components"]["messages"][ref]
        assert message["x-producer"] == spec.producer
        assert message["x-consumers"] == list(spec.consumers)
        data_ref = message["payload"]["allOf"][1]["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        properties = document["components"]["schemas"][data_ref]["properties"]
        assert set(spec.schema().fields) == set(properties)


def test_the_gateway_serves_it(system):
    import requests
    served = requests.get(system.gateway + "/api/v1/asyncapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == json.loads(asyncapi.render())
