"""Dead letters from the command line: list them, or re-drive one or all.

    python scripts/dead_letters.py list [SERVICE]
    python scripts/dead_letters.py redrive SERVICE [ID ...]

Uses CM_AMQP_URI like every process (the ops role's gateway routes do the same); the
calls are signed with the system's RPC signing key (CM_RPC_SIGNING_KEY, or the one kept
in CM_DATA_DIR), see services/common/standalone.py. Without CM_AMQP_URI it uses the tools'
broker user that scripts/start made ($CM_DATA_DIR/tools-amqp-uri).
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common.settings import settings_or_exit  # noqa: E402
from services.common.standalone import SignedCluster  # noqa: E402

SERVICES = ("activities", "subsidies", "library", "notify")


def tools_amqp_uri(data_dir):
    """CM_AMQP_URI when set; otherwise the tools' own broker user that scripts/start made
    (the URI it keeps in the data dir)."""
    import os
    stored = Path(data_dir) / "tools-amqp-uri"
    if not os.environ.get("CM_AMQP_URI") and stored.exists():
        return stored.read_text().strip()
    return None


def main(argv):
    if not argv or argv[0] not in ("list", "redrive") or (argv[0] == "redrive" and len(argv) < 2):
        sys.exit(__doc__)
    settings = settings_or_exit()
    with SignedCluster(settings, actor="scripts/dead_letters",
                       amqp_uri=tools_amqp_uri(settings.data_dir)) as cluster:
        if argv[0] == "list":
            for service in argv[1:] or SERVICES:
                for letter in getattr(cluster, service).list_dead_letters():
                    letter["error"] = letter["error"].strip().splitlines()[-1]
                    print(json.dumps(letter, ensure_ascii=False))
        else:
            ids = [int(i) for i in argv[2:]] or None
            print(json.dumps({"redriven": getattr(cluster, argv[1]).redrive_dead_letters(ids)}))


if __name__ == "__main__":
    main(sys.argv[1:])
