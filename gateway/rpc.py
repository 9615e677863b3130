"""RPC with a deadline (nameko's own RPC waits forever for a service that is down), and
signed: every call carries the acting user, signed with the RPC signing key
(services.common.signing), which the services check before any worker runs."""
import eventlet
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import RpcProxy

from gateway.errors import ApiError, unavailable
from services.common import signing
from services.common.database import forbid_open_transaction
from services.common.queue_consumers import ReplyListener
from services.common.rpc import SignedServiceProxy

GATEWAY_ACTOR = {"username": "gateway", "role": "system"}  # a call on no user's behalf


def acting_user(worker_ctx):
    """The signed-in user of the route's worker: its Call (gateway.api) is the first
    argument; a worker without one acts as the gateway itself."""
    call = worker_ctx.args[0] if worker_ctx.args else None
    user = getattr(call, "user", None)
    if user is None or not getattr(user, "username", None):
        return dict(GATEWAY_ACTOR)
    return {"username": user.username, "role": getattr(user, "role", None)}


class SignedRpcProxy(RpcProxy):
    """An RpcProxy whose calls are signed for the worker's acting user, and whose reply
    queue a cluster can make anew on another node (services.common.queue_consumers)."""
    rpc_reply_listener = ReplyListener()

    def setup(self):
        super().setup()
        self.signing_key = signing.load_key(self.container.config["CM"])

    def get_dependency(self, worker_ctx):
        return SignedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener,
                                  self.signing_key, lambda: acting_user(worker_ctx),
                                  **self.options)


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
