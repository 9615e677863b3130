"""Runs the gateway as its own process: `python -m gateway`."""
import logging

from nameko.cli.run import run
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import auth, passwords
from gateway.models import User
from gateway.service import Service
from services.common import logs, stacks
from services.common.clock import utcnow
from services.common.settings import nameko_config, settings_or_exit
from services.common.database import make_engine
from services.common.migrate import migrate

log = logging.getLogger(__name__)


def ensure_admin(url, username, password):
    """The bootstrap city_admin exists, with the configured password."""
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session:  # read, then hash with no transaction open
            user = session.scalars(select(User).where(User.username == username)).first()
        if user is not None and user.role == "city_admin" and not user.disabled:
            verdict = passwords.verify_password(password, user.password_hash)
            if verdict.ok and not verdict.needs_rehash:
                return
        password_hash = passwords.hash_password(password)
        with Session(engine) as session:
            user = session.scalars(select(User).where(User.username == username)).first()
            if user is None:
                user = User(username=username, created_at=utcnow())
                session.add(user)
            user.password_hash, user.role, user.disabled = password_hash, "city_admin", False
            session.commit()
    finally:
        engine.dispose()


def main():
    settings = settings_or_exit()
    logs.configure("gateway")
    stacks.install()
    passwords.use_hashing_threads()
    url = migrate("gateway", settings)
    ensure_admin(url, settings.admin_username, settings.admin_password)
    config = nameko_config("gateway", settings)
    config["JWT_SECRET"] = auth.signing_secret(settings)
    log.info("gateway listening on %s", config["WEB_SERVER_ADDRESS"])
    run([Service], config)
