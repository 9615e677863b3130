"""The AsyncAPI document of the event catalogue, for teams that subscribe to our events.

Generated from services.catalogue (the envelope and each service's registered events,
with their versioned marshmallow schemas, producer and consumers); docs/asyncapi.json is
its committed copy and a contract test fails when the two drift.
`python -m services.asyncapi > docs/asyncapi.json` regenerates it.
"""
import json
import sys

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services import catalogue
from services.common.events import Envelope
from services.common.topology import event_exchange


def build():
    converter = APISpec("events", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    converter.components.schema("Envelope", schema=Envelope)
    channels, messages = {}, {}
    for spec in catalogue.specs():
        name = "%sV%d" % (_camel(spec.event_type), spec.version)
        data_schema = "%sV%d" % (spec.schema.__name__, spec.version)
        if data_schema not in converter.components.schemas:
            converter.components.schema(data_schema, schema=spec.schema)
        messages[name] = {
            "name": spec.event_type, "title": spec.event_type, "summary": spec.summary,
            "contentType": "application/json",
            "headers": {"type": "object"},
            "payload": {"allOf": [
                {"$ref": "#/components/schemas/Envelope"},
                {"type": "object", "properties": {
                    "event_type": {"type": "string", "enum": [spec.event_type]},
                    "schema_version": {"type": "integer", "enum": [spec.version]},
                    "producer": {"type": "string", "enum": [spec.producer]},
                    "data": {"$ref": "#/components/schemas/%s" % data_schema}}}]},
            "x-producer": spec.producer,
            "x-consumers": list(spec.consumers),
        }
        channels["%s/%s" % (event_exchange(spec.producer).name, spec.event_type)] = {
            "description": "Topic exchange %s, routing key %s; each consumer service has its "
                           "own durable queue <consumer>.%s.%s." % (
                               event_exchange(spec.producer).name, spec.event_type,
                               spec.producer, spec.event_type),
            "subscribe": {"operationId": "on_%s" % spec.event_type,
                          "message": {"$ref": "#/components/messages/%s" % name}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": event_exchange(spec.producer).name, "type": "topic", "durable": True,
                "autoDelete": False}}},
        }
    schemas = converter.to_dict()["components"]["schemas"]
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "Culture Matrix events", "version": "1.0.0",
                 "description": "职工文化服务矩阵 — facts the services publish over RabbitMQ. "
                                "Additive changes keep an event's version; a breaking change "
                                "bumps it and consumers accept both until the old one retires."},
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "components": {"schemas": schemas, "messages": dict(sorted(messages.items()))},
    }


def render():
    return json.dumps(build(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _camel(snake):
    return "".join(part.capitalize() for part in snake.split("_"))


if __name__ == "__main__":
    sys.stdout.write(render())
