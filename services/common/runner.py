"""Runs one service as its own process: `python -m services.<name>`.

The caller has already applied eventlet's monkey patch (see each __main__.py).
"""
import importlib
import logging
import os

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
    run([service_module.Service], config)
