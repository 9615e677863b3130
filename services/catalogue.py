"""Every service's events, registered: the system's wiring, outside the kernel.

Importing this module imports each service's events module (contracts only: no nameko,
no SQLAlchemy), so that the registry knows every event and every subscription. The
AsyncAPI document is built from it, and a producer declares its consumers' queues from
it before they first start.
"""
from services.activities import events as activities  # noqa: F401
from services.common.events import REGISTRY
from services.library import events as library  # noqa: F401
from services.notify import events as notify  # noqa: F401
from services.subsidies import events as subsidies  # noqa: F401


def specs():
    return list(REGISTRY.values())
