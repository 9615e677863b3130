"""One contract per service, and the rooms around it (issue 15), checked on the source:

- each service's contract imports without nameko, SQLAlchemy, eventlet or kombu, and
  without the service's implementation;
- no service imports another's implementation (contracts and published events modules
  are the exception), and the gateway imports only the services' contracts;
- the gateway declares no schema whose fields twin a contract's;
- no module outside migrations is over 400 lines.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("activities", "subsidies", "library", "notify")
PUBLISHED = ("contract", "events", "words")  # what a service lets others import
# The gateway's own shapes that share field names with a contract's by meaning, not by
# copy: a new user (identity is the gateway's) against notify's view of a caller.
GATEWAYS_OWN = {"gateway/schemas.py:UserCreate"}
HEAVY = ("nameko", "sqlalchemy", "eventlet", "kombu", "alembic")


def sources(folder):
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:  # `from services.x import contract`
                yield "%s.%s" % (node.module, alias.name)


@pytest.mark.parametrize("service", SERVICES)
def test_a_contract_imports_without_the_implementation_or_the_frameworks(service):
    probe = ("import sys; import services.%s.contract as c; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & set(%r))); "
             "print(sorted(m for m in sys.modules if m.startswith('services.') and "
             "m.split('.')[-1] in ('service', 'models', 'queries', 'repository', 'entrypoints')))"
             % (service, HEAVY))
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    frameworks, implementation = done.stdout.splitlines()
    assert frameworks == "[]", "services.%s.contract pulls in %s" % (service, frameworks)
    assert implementation == "[]", implementation


def _foreign_implementation(owner, module):
    parts = module.split(".")
    if len(parts) < 3 or parts[0] != "services" or parts[1] not in SERVICES:
        return False
    return parts[1] != owner and parts[2] not in PUBLISHED


def test_no_service_imports_another_services_implementation():
    offences = []
    for service in SERVICES:
        for path in sources("services/%s" % service):
            offences += ["%s imports %s" % (path.relative_to(ROOT), module)
                         for module in imported_modules(path)
                         if _foreign_implementation(service, module)]
    assert offences == []


def test_the_gateway_imports_only_the_services_contracts():
    offences = ["%s imports %s" % (path.relative_to(ROOT), module)
                for path in sources("gateway") for module in imported_modules(path)
                if _foreign_implementation("gateway", module)
                and module.split(".")[2] != "contract"]
    assert offences == []


def test_no_gateway_schema_twins_a_contract_schema():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import contract_size
    finally:
        sys.path.pop(0)
    _, twins, _, _, _ = contract_size.measure(ROOT)
    assert [name for name in twins if name not in GATEWAYS_OWN] == []


def test_no_module_outside_migrations_is_over_400_lines():
    long_ones = ["%s: %d lines" % (path.relative_to(ROOT), lines)
                 for folder in ("services", "gateway")
                 for path in sources(folder)
                 if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400]
    assert long_ones == []
