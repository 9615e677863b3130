"""Alembic, driven from code: each service keeps its own versions folder."""
from pathlib import Path

from alembic import command
from alembic.config import Config

from services.common.database import ensure_database, make_engine


def alembic_config(package_dir, url):
    config = Config()
    config.set_main_option("script_location", str(Path(package_dir) / "migrations"))
    config.set_main_option("sqlalchemy.url", url.render_as_string(hide_password=False))
    return config


def upgrade(package_dir, url):
    ensure_database(url)
    config = alembic_config(package_dir, url)
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def run_env(context, target_metadata):
    """The body of every service's migrations/env.py."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = make_engine(context.config.get_main_option("sqlalchemy.url"), pool_size=1)
        with engine.begin() as connection:
            _run(context, connection, target_metadata)
        engine.dispose()
    else:
        _run(context, connection, target_metadata)


def _run(context, connection, target_metadata):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
