"""Apply one process's migrations and exit: `python -m services.common.migrate <name>`.

The Kubernetes migration Jobs run this; the processes also run it at start, which is a
no-op when the Job got there first.
"""
import importlib
import os
import sys
from pathlib import Path

from services.common.settings import settings_or_exit
from services.common.database import service_database_url
from services.common.migrations import upgrade

NAMES = ("activities", "subsidies", "library", "notify", "gateway")


def migrate(name, settings=None):
    settings = settings or settings_or_exit()
    package = importlib.import_module(name if name == "gateway" else "services.%s" % name)
    url = service_database_url(name, settings)
    upgrade(Path(package.__file__).parent, url)
    return url


def main(argv):
    os.umask(0o077)  # a migration Job may create the SQLite file: owner-only, like the services
    if len(argv) != 1 or argv[0] not in NAMES:
        sys.exit("usage: python -m services.common.migrate {%s}" % "|".join(NAMES))
    url = migrate(argv[0])
    print("migrated %s (%s)" % (argv[0], url.render_as_string(hide_password=True)))


if __name__ == "__main__":
    main(sys.argv[1:])
