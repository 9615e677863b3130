"""How much contract is written where: marshmallow schema classes and their declared
fields in gateway/ and in services/, field lists written twice, and the longest modules.

    .venv/bin/python bench/contract_size.py [checkout]      (default: this checkout)

Read from the source (ast), so it measures any checkout without importing it. A "twin"
is a gateway schema class whose field names are 80 % or more those of one service schema
class (at least three fields); "same field" counts declarations equal character for
character after the name.
"""
import ast
import sys
from pathlib import Path

SCHEMA_BASES = {"Schema", "Strict", "Paging", "Envelope"}
FIELD_CALLS = ("fields.", "Yuan(", "UtcDateTime(")


def schema_classes(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = set(SCHEMA_BASES)
    found = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {getattr(base, "id", getattr(base, "attr", None)) for base in node.bases}
        if not bases & known and not any(name in found for name in bases):
            continue
        known.add(node.name)
        declared = {}
        for item in node.body:
            if isinstance(item, ast.Assign) and len(item.targets) == 1 \
                    and isinstance(item.targets[0], ast.Name):
                source = ast.unparse(item.value)
                if any(call in source for call in FIELD_CALLS):
                    declared[item.targets[0].id] = source
        found[node.name] = declared
    return found


def python_files(root, folder):
    return sorted(p for p in (root / folder).rglob("*.py")
                  if "migrations" not in p.parts and ".venv" not in p.parts)


def measure(root):
    sides = {}
    for folder in ("gateway", "services"):
        classes = {}
        for path in python_files(root, folder):
            for name, declared in schema_classes(path).items():
                classes["%s:%s" % (path.relative_to(root), name)] = declared
        sides[folder] = classes
    twins, twin_fields, same_fields = [], 0, 0
    for gateway_name, declared in sides["gateway"].items():
        names = set(declared)
        if len(names) < 3:
            continue
        best = max(sides["services"].values(), default={},
                   key=lambda other: len(names & set(other)))
        if len(names & set(best)) >= 0.8 * len(names):
            twins.append(gateway_name)
            twin_fields += len(names & set(best))
            same_fields += sum(1 for key in names & set(best) if declared[key] == best[key])
    modules = sorted(((len(p.read_text(encoding="utf-8").splitlines()), str(p.relative_to(root)))
                      for folder in ("gateway", "services") for p in python_files(root, folder)),
                     reverse=True)
    return sides, twins, twin_fields, same_fields, modules


def main(argv):
    root = Path(argv[0] if argv else Path(__file__).resolve().parents[1]).resolve()
    sides, twins, twin_fields, same_fields, modules = measure(root)
    for folder, classes in sides.items():
        print("%-9s %4d schema classes, %4d declared fields" % (
            folder, len(classes), sum(len(d) for d in classes.values())))
    print("gateway classes twinning a service class: %d (%d fields, %d written identically)%s"
          % (len(twins), twin_fields, same_fields, "".join("\n  " + name for name in twins)))
    print("modules over 400 lines (migrations aside): %d" % sum(1 for n, _ in modules if n > 400))
    for lines, name in modules[:5]:
        print("  %5d  %s" % (lines, name))


if __name__ == "__main__":
    main(sys.argv[1:])
