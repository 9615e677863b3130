"""Runs the gateway as its own process: `python -m gateway`."""
import logging

from nameko.cli.run import run
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import auth
from gateway.models import User
from gateway.service import Service
from services.common import logs, stacks
from services.common.clock import utcnow
from services.common.config import load_settings, nameko_config
from services.common.database import make_engine
from services.common.migrate import migrate

log = logging.getLogger(__name__)


def ensure_admin(url, username, password):
    """The bootstrap city_admin exists, with the configured password."""
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session:
            user = session.scalars(select(User).where(User.username == username)).first()
            if user is None:
                user = User(username=username, role="city_admin", disabled=False,
                            created_at=utcnow(), password_hash="")
                session.add(user)
            elif auth.verify_password(password, user.password_hash) and \
                    user.role == "city_admin" and not user.disabled:
                return
            user.password_hash = auth.hash_password(password)
            user.role, user.disabled = "city_admin", False
            session.commit()
    finally:
        engine.dispose()


def main():
    settings = load_settings()
    logs.configure("gateway")
    stacks.install()
    url = migrate("gateway", settings)
    ensure_admin(url, settings["admin_username"], settings["admin_password"])
    config = nameko_config("gateway", settings)
    config["JWT_SECRET"] = auth.signing_secret(settings)
    log.info("gateway listening on %s", config["WEB_SERVER_ADDRESS"])
    run([Service], config)
