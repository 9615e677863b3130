"""Switch an existing deployment's queues from classic to quorum (CM_QUORUM_QUEUES=true).

    python scripts/queues_to_quorum.py VHOST [--check]

RabbitMQ refuses to redeclare a queue with another type (PRECONDITION_FAILED on
x-queue-type), so the services, started with CM_QUORUM_QUEUES=true on a vhost whose
queues are classic, cannot declare theirs. The path (docs/broker_cluster.md):

1. stop the gateway (no new writes), let every outbox drain and every queue empty;
2. stop the services;
3. run this: it deletes our classic queues (event, retry and RPC queues), and refuses,
   deleting nothing, while any of them holds a message or has a consumer;
4. start everything with CM_QUORUM_QUEUES=true: they declare quorum queues, and the
   producers' outboxes publish anything written meanwhile into them.

Uses rabbitmqctl (RABBITMQ_NODENAME picks a node of a cluster). --check only reports.
"""
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common.topology import QUORUM_POLICY  # noqa: E402

OURS = re.compile(QUORUM_POLICY["pattern"])


def rabbitmqctl(*args):
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=120).stdout


def classic_queues(vhost):
    """(name, messages, consumers) of each classic queue of ours on the vhost."""
    out = rabbitmqctl("list_queues", "-p", vhost, "name", "type", "messages", "consumers")
    found = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or parts[0] == "name":
            continue
        name, kind, messages, consumers = parts[:4]
        if kind == "classic" and OURS.search(name):
            found.append((name, int(messages), int(consumers)))
    return found


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    vhost, check = argv[0], "--check" in argv[1:]
    queues = classic_queues(vhost)
    busy = [(name, messages, consumers) for name, messages, consumers in queues
            if messages or consumers]
    for name, messages, consumers in busy:
        print("仍在使用 busy: %s (%d 条消息 messages, %d 个消费者 consumers)"
              % (name, messages, consumers))
    if busy:
        sys.exit("nothing deleted: stop the gateway, let the queues empty, stop the "
                 "services, then run this again (%d of %d classic queues busy)"
                 % (len(busy), len(queues)))
    for name, _, _ in queues:
        print(("would delete %s" if check else "deleting %s") % name)
        if not check:
            rabbitmqctl("delete_queue", "-p", vhost, name)
    print("%d classic queues %s; start the system with CM_QUORUM_QUEUES=true"
          % (len(queues), "to delete" if check else "deleted"))


if __name__ == "__main__":
    main(sys.argv[1:])
