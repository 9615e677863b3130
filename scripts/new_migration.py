"""Autogenerate a migration for one service: python scripts/new_migration.py SERVICE MESSAGE."""
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common.migrations import alembic_config, upgrade  # noqa: E402


def main(service, message):
    root = Path(__file__).resolve().parents[1]
    package_dir = root / "services" / service
    if not package_dir.exists():
        package_dir = root / service  # the gateway
    with tempfile.TemporaryDirectory() as scratch:
        url = make_url("sqlite:///%s/scratch.db" % scratch)
        upgrade(package_dir, url)  # bring a scratch database to head, then diff
        command.revision(alembic_config(package_dir, url), message=message, autogenerate=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
