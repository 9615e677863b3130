"""Runs the gateway as its own process: `python -m gateway`.

It never starts with a known password: CM_ADMIN_PASSWORD, when set, must follow the
password policy and be no placeholder (the manifests' CHANGE-ME values, the old default);
unset, a random one is made once and kept in the data dir (ADMIN_PASSWORD_FILE, readable
by its owner only), and the log says where. A CM_JWT_SECRET that is a placeholder or
shorter than 32 characters is refused too. Refusals name the setting and exit non-zero.
"""
import logging
import os
import secrets
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import auth, passwords, uploads
from gateway.models import User
from gateway.service import Service
from services.common import logs, stacks
from services.common.clock import utcnow
from services.common.settings import nameko_config, settings_or_exit
from services.common.database import make_engine
from services.common.migrate import migrate
from services.common.runner import run_then_exit

log = logging.getLogger(__name__)
ADMIN_PASSWORD_FILE = "admin-password"  # in the data dir, when CM_ADMIN_PASSWORD is unset
KNOWN_PASSWORDS = {"admin-zhangye-2026"}  # defaults that were ever written down
OWNER_ONLY = 0o077  # the umask: files made here (databases, secrets) are the owner's only


class RefuseToStart(Exception):
    """A setting the gateway will not run with; the message names it."""


def admin_password(settings):
    """The bootstrap admin's password: the configured one, checked, else the one kept in
    the data dir (made the first time)."""
    if settings.admin_password:
        password = settings.admin_password
        if auth.placeholder(password) or password in KNOWN_PASSWORDS:
            raise RefuseToStart("CM_ADMIN_PASSWORD is a placeholder or a published default: "
                                "set a password of your own, or unset it for a random one")
        problems = passwords.policy_problems(password, settings.admin_username)
        if problems:
            raise RefuseToStart("CM_ADMIN_PASSWORD does not follow the password policy: %s"
                                % "; ".join(problems))
        return password
    path = Path(settings.data_dir) / ADMIN_PASSWORD_FILE
    password = auth.kept_secret(path, lambda: _random_password(settings.admin_username))
    os.chmod(path, 0o600)  # also one that an older start command made
    problems = passwords.policy_problems(password, settings.admin_username)
    if problems:
        raise RefuseToStart("the admin password kept in %s does not follow the password "
                            "policy (%s): remove the file for a new one" % (
                                path, "; ".join(problems)))
    log.info("CM_ADMIN_PASSWORD is unset: the password of the admin %r is in %s (readable "
             "by its owner only)", settings.admin_username, path.resolve())
    return password


def _random_password(username):
    while True:
        password = secrets.token_urlsafe(18)
        if not passwords.policy_problems(password, username):
            return password


def check_secrets(settings):
    if settings.jwt_secret:
        why = auth.refuse_weak_secret(settings.jwt_secret)
        if why:
            raise RefuseToStart(why)


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
    os.umask(OWNER_ONLY)
    settings = settings_or_exit()
    logs.configure("gateway")
    stacks.install()
    passwords.use_hashing_threads()
    try:
        check_secrets(settings)
        password = admin_password(settings)
    except RefuseToStart as exc:
        log.error("refusing to start: %s", exc)
        sys.exit("gateway: refusing to start: %s" % exc)
    passwords.prepare()  # the hash that unknown usernames are checked against
    uploads.clear_spool(uploads.spool_folder(settings))
    url = migrate("gateway", settings)
    ensure_admin(url, settings.admin_username, password)
    config = nameko_config("gateway", settings)
    config["JWT_SECRET"] = auth.signing_secret(settings)
    log.info("gateway listening on %s", config["WEB_SERVER_ADDRESS"])
    run_then_exit([Service], config)
