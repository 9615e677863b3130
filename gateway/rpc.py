"""RPC with a deadline: nameko's own RPC waits forever for a service that is down."""
import eventlet
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, UnknownService

from gateway.errors import ApiError, unavailable
from services.common.database import forbid_open_transaction


def call(proxy, method, *args, timeout=5.0, **kwargs):
    """Publish the request and wait for the answer, both within `timeout` seconds."""
    service = getattr(proxy, "service_name", "a service")
    forbid_open_transaction("an RPC to %s" % service)
    try:
        with eventlet.Timeout(timeout):
            return getattr(proxy, method).call_async(*args, **kwargs).result()
    except eventlet.Timeout:
        raise unavailable(service, "no answer within %ss" % timeout) from None
    except UnknownService:
        raise unavailable(service, "not running") from None
    except (OperationalError, ConnectionError, OSError) as exc:
        raise unavailable(service, "broker unreachable (%s)" % exc.__class__.__name__) from None
    except RemoteError as exc:
        raise ApiError(500, "INTERNAL", "%s failed: %s" % (service, exc.exc_type)) from None
