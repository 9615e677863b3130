"""Runs one service as its own process: `python -m services.<name>`.

The caller has already applied eventlet's monkey patch (see each __main__.py).
"""
import importlib
import logging
import os
import sys

from nameko.cli.run import run

import services.catalogue  # noqa: F401  every event and subscription, for the topology
from services.common import logs, stacks
from services.common.settings import nameko_config, settings_or_exit
from services.common.migrate import migrate

log = logging.getLogger(__name__)


OWNER_ONLY = 0o077  # the umask: databases and files made here are the owner's only


def main(service_name):
    os.umask(OWNER_ONLY)
    settings = settings_or_exit()
    logs.configure(service_name)
    stacks.install()
    service_module = importlib.import_module("services.%s.service" % service_name)
    url = migrate(service_name, settings)
    config = nameko_config(service_name, settings)
    log.info("starting %s on %s (database %s)", service_name, config["WEB_SERVER_ADDRESS"],
             url.render_as_string(hide_password=True))
    run_then_exit([service_module.Service], config)


def run_then_exit(services, config):
    """nameko's run until SIGTERM has stopped every container, then an exit without the
    interpreter's teardown. By then the work in hand is finished, the broker connections
    closed and the database engines disposed (their providers' stop); what is left is
    the teardown of a large heap, over a second of CPU per process, which a machine's
    five processes stopping together (a deploy, a test's system) spend at once."""
    run(services, config)
    logging.shutdown()  # every log line written
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
