import os

import pytest

import services.catalogue  # noqa: F401  every event registered, for make_envelope
from tests.support.system import System
from tests.support.world import build_world


def pytest_addoption(parser):
    parser.addoption("--backend", default=os.environ.get("CM_TEST_BACKEND", "sqlite"),
                     choices=("sqlite", "postgres"),
                     help="the database the services use in integration and e2e tests")


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass (scripts/test) runs again only what the database can change."""
    if config.getoption("--backend") != "postgres":
        return
    again = pytest.mark.skip(reason="backend-independent: runs in the SQLite pass")
    for item in items:
        if item.get_closest_marker("one_backend"):
            item.add_marker(again)


@pytest.fixture(scope="session")
def backend(request):
    return request.config.getoption("--backend")


@pytest.fixture(scope="module")
def system(tmp_path_factory, backend):
    """A whole running system shared by one module's tests."""
    running = System(tmp_path_factory.mktemp("system"), backend).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def world(system):
    return build_world(system)


@pytest.fixture
def fresh_system(tmp_path, backend):
    """A system of its own, for tests that kill processes or restart the broker."""
    systems = []

    def make(extra_env=None, start=True):
        created = System(tmp_path / ("s%d" % len(systems)), backend, extra_env)
        systems.append(created)
        return created.start() if start else created
    yield make
    for created in systems:
        created.stop()
