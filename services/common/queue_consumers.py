"""nameko's broker consumers, fit for a cluster of nodes (CM_AMQP_URI with `;`).

* ClusterQueueConsumer names the nodes it tries without their credentials: nameko's
  own message masks the password of the first node only and logs the others'.
* ClusterQueueConsumer's acknowledgement of a message whose connection died meanwhile
  is a no-op, as nameko means it to be: nameko catches py-amqp's ConnectionError only,
  while a dead node's socket raises the built-in ConnectionResetError, and an exception
  there kills the whole process (its worker or managed thread dies). The broker gives
  the message again (quorum queues) or it went with its node (a reply, in hand already).
* ReplyListener declares its reply queue non-durable. nameko's is durable: a durable
  classic queue belongs to the node it was made on, and while that node is down the
  cluster refuses its redeclaration (404 "home node ... is down"), so a caller whose
  node died could never hear an answer again. A non-durable queue is dropped with its
  node and made anew on the node the caller moves to; the calls in flight on the dead
  node time out (CM_RPC_TIMEOUT) and their retries are answered.
"""
import logging
from urllib.parse import urlsplit

from kombu import Queue
from nameko.messaging import QueueConsumer
from nameko.rpc import RPC_REPLY_QUEUE_TTL, ReplyListener as NamekoReplyListener

from services.common.settings import broker_nodes

log = logging.getLogger(__name__)


def nodes_without_credentials(uri):
    """`host:port/vhost` of each node of an AMQP URI, in the order they are tried."""
    shown = []
    for node in broker_nodes(uri):
        parts = urlsplit(node)
        shown.append("%s%s" % (parts.netloc.rpartition("@")[2], parts.path))
    return ", ".join(shown)


class ClusterQueueConsumer(QueueConsumer):
    # kombu's consumer thread notices a stop, or a provider's removal, only between two
    # waits for a message: a second each by default, one after the other, so stopping a
    # service took two seconds doing nothing. A tenth of a second costs nothing idle.
    SAFETY_INTERVAL = 0.1

    def run(self, **kwargs):
        return super().run(safety_interval=self.SAFETY_INTERVAL, **kwargs)

    def ack_message(self, message):
        self._settle(message, super().ack_message, "acknowledge")

    def requeue_message(self, message):
        self._settle(message, super().requeue_message, "requeue")

    @staticmethod
    def _settle(message, settle, what):
        try:
            settle(message)
        except OSError as exc:  # ConnectionResetError, BrokenPipeError: the node is gone
            log.info("could not %s a message, its connection is gone (%s): the broker "
                     "gives it again", what, exc.__class__.__name__)

    def on_connection_error(self, exc, interval):
        log.warning("cannot reach the broker (nodes tried in turn: %s): %s; next try in %s s",
                    nodes_without_credentials(self.amqp_uri), exc, interval)


class ReplyListener(NamekoReplyListener):
    queue_consumer = ClusterQueueConsumer()

    def setup(self):
        super().setup()
        named = self.queue
        self.queue = Queue(named.name, exchange=named.exchange, routing_key=named.routing_key,
                           durable=False, queue_arguments={"x-expires": RPC_REPLY_QUEUE_TTL})
