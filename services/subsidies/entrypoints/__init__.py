"""The subsidies service's entrypoints, one mixin per sub-domain; service.py composes them.

Each reads: validate (contract) -> domain -> one unit of work (state plus outbox rows)
-> answer (contract). Queries that several share live in services.subsidies.repository.
"""
from services.common.errors import expected_rpc

rpc = expected_rpc()


def emit(uow, built):
    """Emit an event built by services.subsidies.events: (spec, payload)."""
    spec, payload = built
    return uow.emit(spec.event_type, payload)
