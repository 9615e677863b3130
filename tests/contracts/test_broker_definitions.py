"""deploy/'s local broker definitions are the ones scripts/broker_users.py makes: a queue
or an event added since (payment_returned, say) must be in each user's permissions, or
that overlay's notify cannot read its own queue. Password hashes are salted: not compared."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "deploy" / "k8s" / "overlays" / "local" / "rabbitmq-definitions.json"


def _without_hashes(document):
    document = json.loads(json.dumps(document))
    for user in document.get("users", []):
        user.pop("password_hash", None)
    return document


def test_the_committed_local_definitions_are_the_generated_ones():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import broker_users
    finally:
        sys.path.pop(0)
    generated = _without_hashes(broker_users.placeholder_definitions())
    committed = _without_hashes(json.loads(COMMITTED.read_text(encoding="utf-8")))
    assert committed == generated, (
        "deploy/k8s/overlays/local/rabbitmq-definitions.json is stale: run "
        "`.venv/bin/python scripts/broker_users.py placeholders > %s`" % COMMITTED)
