"""Signed RPC on both sides: the services' entrypoint and the callers' proxies.

The services' RPC entrypoint: a call runs only with a valid signature (services.common.signing).

A missing, expired or forged signature, one made for another service, method or other
arguments, or one seen before (a replay) is answered with CallRefused before any worker runs: nothing changes. The
verified acting user rides in the worker's context data as `actor` and `actor_role`.
"""
import logging
import sys
from functools import partial

from nameko.exceptions import ContainerBeingKilled, MalformedRequest
from kombu import Queue
from nameko.rpc import (RPC_QUEUE_TEMPLATE, MethodProxy, Rpc, RpcConsumer, ServiceProxy,
                        get_rpc_exchange)

from services.common import signing
from services.common.errors import CallRefused, Unavailable
from services.common.queue_consumers import ClusterQueueConsumer
from services.common.rerun import run_again_later
from services.common.retry import Retries, is_transient

log = logging.getLogger(__name__)


class RpcQueueConsumer(RpcConsumer):
    """nameko's RPC consumer, whose queue is a quorum queue on a clustered broker: a
    classic queue lives on one node, and the service's calls would fail while that node
    is down (CM_QUORUM_QUEUES, services.common.topology.QUORUM_POLICY)."""
    queue_consumer = ClusterQueueConsumer()

    def setup(self):
        if self.queue is None and self.container.config["CM"].quorum_queues:
            service_name = self.container.service_name
            self.queue = Queue(RPC_QUEUE_TEMPLATE.format(service_name),
                               exchange=get_rpc_exchange(self.container.config),
                               routing_key="%s.*" % service_name, durable=True,
                               queue_arguments={"x-queue-type": "quorum"})
            self.queue_consumer.register_provider(self)
            self._registered = True
            return
        super().setup()


class SignedRpc(Rpc):
    rpc_consumer = RpcQueueConsumer()

    def setup(self):
        super().setup()
        self.signing_key = signing.load_key(self.container.config["CM"])
        self.seen = signing.SeenSignatures()

    def handle_message(self, body, message):
        try:
            args, kwargs = body["args"], body["kwargs"]
        except (KeyError, TypeError):
            raise MalformedRequest("Message missing `args` or `kwargs`") from None
        headers = message.headers or {}
        try:
            actor = signing.verify(self.signing_key, self.container.service_name,
                                   self.method_name, args, kwargs, headers.get(signing.HEADER),
                                   seen=self.seen)
        except signing.SignatureError as exc:
            log.warning("refused an RPC to %s.%s: %s", self.container.service_name,
                        self.method_name, exc)
            raise CallRefused("the call was refused: %s" % exc) from None
        self.check_signature(args, kwargs)
        context_data = self.unpack_message_headers(message)
        context_data.pop(signing.HEADER, None)  # the workers see who acts, not the signature
        context_data["actor"] = actor.get("username") or ""
        context_data["actor_role"] = actor.get("role") or ""
        self._spawn(message, args, kwargs, context_data, Retries())

    def _spawn(self, message, args, kwargs, context_data, retries):
        try:
            self.container.spawn_worker(
                self, args, kwargs, context_data=context_data,
                handle_result=partial(self._settle, message, args, kwargs, context_data, retries))
        except ContainerBeingKilled:
            self.rpc_consumer.requeue_message(message)

    def _settle(self, message, args, kwargs, context_data, retries, worker_ctx, result,
                exc_info):
        """Answer the call, unless a transient database failure means running it again
        (services.common.rerun); past the retries' deadline that failure is answered as
        Unavailable (503), which a caller may retry."""
        what = "%s.%s" % (self.container.service_name, self.method_name)
        if run_again_later(self.container, retries, exc_info, what,
                           lambda: self._spawn(message, args, kwargs, context_data, retries)):
            return result, exc_info
        if exc_info is not None:
            exc_info = _unavailable(self.container.service_name, exc_info)
        return self.handle_result(message, worker_ctx, result, exc_info)


signed_rpc = SignedRpc.decorator


def _unavailable(service, exc_info):
    """exc_info, when it is the transient failure the reruns could not get past, as
    Unavailable; anything else (a domain error on a later run) is left as it is."""
    if not is_transient(exc_info[1]):
        return exc_info
    try:
        raise Unavailable("%s is unavailable: %s" % (service, DATABASE_AWAY),
                          {"service": service}) from exc_info[1]
    except Unavailable:
        return sys.exc_info()


DATABASE_AWAY = "its database is unavailable, try again shortly"


class SignedMethodProxy(MethodProxy):
    """nameko's MethodProxy, adding the signature header for each call.

    actor() answers the acting user {"username", "role"} at the time of the call."""

    def __init__(self, worker_ctx, service_name, method_name, reply_listener, signing_key,
                 actor, **options):
        self.signing_key, self.actor = signing_key, actor
        self._signature = None
        super().__init__(worker_ctx, service_name, method_name, reply_listener, **options)

    def _call(self, *args, **kwargs):
        self._signature = signing.sign(self.signing_key, self.service_name, self.method_name,
                                       args, kwargs, self.actor())
        try:
            return super()._call(*args, **kwargs)
        finally:
            self._signature = None

    def get_message_headers(self, worker_ctx):
        headers = super().get_message_headers(worker_ctx)
        # a caller's context never passes on someone else's actor or signature
        for key in ("nameko.actor", "nameko.actor_role", "nameko." + signing.HEADER):
            headers.pop(key, None)
        headers[signing.HEADER] = self._signature
        return headers


class SignedServiceProxy(ServiceProxy):
    def __init__(self, worker_ctx, service_name, reply_listener, signing_key, actor,
                 **options):
        self.signing_key, self.actor = signing_key, actor
        super().__init__(worker_ctx, service_name, reply_listener, **options)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return SignedMethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener,
                                 self.signing_key, self.actor, **self.options)
