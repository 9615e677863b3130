"""Reading a service's outbox and publishing envelopes by hand, as a broker might redeliver."""
import json

from kombu import Connection
from sqlalchemy import create_engine, select, text

from services.common.topology import event_exchange


def outbox_envelopes(system, service, event_type):
    engine = create_engine(system.database_url(service))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT body FROM outbox WHERE event_type = :t ORDER BY id"),
                                {"t": event_type}).scalars().all()
    finally:
        engine.dispose()
    return [json.loads(body) for body in rows]


def publish(system, envelope, times=1):
    with Connection(system.broker.uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer()
        for _ in range(times):
            producer.publish(envelope, exchange=event_exchange(envelope["producer"]),
                             routing_key=envelope["event_type"], serializer="json",
                             delivery_mode=2)


def count_rows(system, service, table, where="1=1", params=None):
    engine = create_engine(system.database_url(service))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM %s WHERE %s" % (table, where)),
                                params or {}).scalar()
    finally:
        engine.dispose()
