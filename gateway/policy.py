"""Who may do what to which object: function level (role) and object level (ownership)."""
from gateway.errors import forbidden

ANY_SIGNED_IN = None
MONEY = ("city_admin", "finance")
REPORTERS = ("city_admin", "union_admin")
REVIEWERS = ("city_admin", "county_reviewer")
ACTIVITY_READERS = ("city_admin", "county_reviewer", "union_admin", "finance")


def may_read_activity(user, activity):
    if user.role in ("city_admin", "finance"):
        return True
    if user.role == "union_admin":
        return activity["union_id"] == user.union_id
    if user.role == "county_reviewer":
        return activity["county"] == user.county
    return False


def require_read_activity(user, activity):
    if not may_read_activity(user, activity):
        raise forbidden("this activity belongs to another union or county")


def require_review(user, activity):
    """Grassroots activities by a reviewer of their county; county and city ones by the city."""
    if user.role == "city_admin":
        return
    if (user.role == "county_reviewer" and activity["tier"] == "grassroots"
            and activity["county"] == user.county):
        return
    raise forbidden("only the city or a reviewer of the activity's county may review it")


def require_owner(user, union_id):
    if user.role == "city_admin":
        return
    if user.role == "union_admin" and union_id == user.union_id:
        return
    raise forbidden("a union admin reports and changes only its own union's activities")


def activity_scope(user, filters):
    """Narrow a list query to what the caller may see; refuse a filter outside it."""
    scoped = dict(filters)
    if user.role == "union_admin":
        if scoped.get("union_id", user.union_id) != user.union_id:
            raise forbidden("a union admin sees only its own union's activities")
        scoped["union_id"] = user.union_id
    elif user.role == "county_reviewer":
        if scoped.get("county", user.county) != user.county:
            raise forbidden("a county reviewer sees only its own county's activities")
        scoped["county"] = user.county
    return scoped


def identity(user):
    return {"user_id": user.id, "username": user.username, "role": user.role,
            "union_id": user.union_id, "county": user.county}
