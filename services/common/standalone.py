"""Calling services directly over the broker, from a tool or a test, signed like the gateway.

    with SignedCluster(settings, actor="scripts/dead_letters") as cluster:
        cluster.activities.list_dead_letters()

The calls are signed with the same key as the gateway's (services.common.signing: the
setting rpc_signing_key, or the data dir's key file), so a tool needs the settings of
the system it talks to (CM_AMQP_URI, CM_DATA_DIR or CM_RPC_SIGNING_KEY). The acting
user of a tool is its name with the role "system".
"""
from nameko.standalone.rpc import ClusterProxy, ClusterRpcProxy

from services.common import signing
from services.common.rpc import SignedServiceProxy


class _SignedClusterProxy(ClusterProxy):
    def __init__(self, worker_ctx, reply_listener, signing_key, actor):
        super().__init__(worker_ctx, reply_listener)
        self._signing_key, self._actor = signing_key, actor

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._proxies:
            self._proxies[name] = SignedServiceProxy(
                self._worker_ctx, name, self._reply_listener, self._signing_key,
                lambda: self._actor)
        return self._proxies[name]


class SignedCluster(ClusterRpcProxy):
    """nameko's ClusterRpcProxy whose calls carry a signature for `actor`."""

    def __init__(self, settings, actor="standalone", role="system", timeout=30,
                 signing_key=None, amqp_uri=None):
        config = {"AMQP_URI": amqp_uri or settings.amqp_uri, "serializer": "json"}
        super().__init__(config, timeout=timeout)
        key = signing_key if signing_key is not None else signing.load_key(settings)
        self._proxy = _SignedClusterProxy(self._worker_ctx, self._reply_listener, key,
                                          {"username": actor, "role": role})
