"""Small helpers shared by route groups."""


def split_paging(query):
    filters = {k: v for k, v in query.items() if k not in ("limit", "offset")}
    return filters, query.get("limit", 50), query.get("offset", 0)


def jsonable(body):
    """Dates back to ISO strings for the RPC payload."""
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in body.items()}
