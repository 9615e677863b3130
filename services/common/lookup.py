"""Rows by id, where an id no row can have (not an int, or beyond the 32-bit id columns)
is simply not found: a 404, never a 500 from the driver."""
from services.common.errors import NotFound


def storable_id(ident):
    return isinstance(ident, int) and not isinstance(ident, bool) and 0 < ident < 2 ** 31


def row_or_none(session, model, ident):
    return session.get(model, ident) if storable_id(ident) else None


def row_or_404(session, model, ident, what):
    row = row_or_none(session, model, ident)
    if row is None:
        raise NotFound("%s %s not found" % (what, ident))
    return row
