"""Lists: ?limit= (default 50, max 500) and ?offset=; body {"items": [...], "total": N}."""
from sqlalchemy import func, select

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def page(session, query, order, schema, limit=DEFAULT_LIMIT, offset=0):
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.order_by(order).limit(limit).offset(offset)).all()
    return {"items": schema.dump(rows, many=True), "total": total}
