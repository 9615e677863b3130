"""Who may do what to which object: function level (role) and object level (ownership)."""
from gateway.errors import ApiError, forbidden

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


def may_see_duplicates(user, activity):
    """Which other activities carry the same file (also_in) is for the activity's
    reviewers and the city: it names other unions' activities."""
    return user.role == "city_admin" or (user.role == "county_reviewer"
                                         and activity["county"] == user.county)


def shown_activity(user, activity):
    """The activity as the caller sees it (also_in only where may_see_duplicates)."""
    if not may_see_duplicates(user, activity):
        for item in activity.get("evidence") or ():
            item.pop("also_in", None)
    return activity


def require_review(user, activity):
    """Grassroots activities by a reviewer of their county; county and city ones by the city."""
    if user.role == "city_admin":
        return
    if (user.role == "county_reviewer" and activity["tier"] == "grassroots"
            and activity["county"] == user.county):
        return
    raise forbidden("only the city or a reviewer of the activity's county may review it")


def may_review(user, activity):
    """require_review as a yes or no (per-item checks in bulk, buttons in the console)."""
    try:
        require_review(user, activity)
        return True
    except ApiError:
        return False


def review_scope(user):
    """What a reviewer may review, for the service to check: None means everything."""
    if user.role == "city_admin":
        return None
    if user.role == "county_reviewer":
        return {"county": user.county, "tiers": ["grassroots"]}
    raise forbidden("only the city or a county reviewer may review activities")


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


# the reading network (library) ------------------------------------------------------------
LIBRARY_STAFF = ("city_admin", "union_admin")
LIBRARY_READERS = ("city_admin", "county_reviewer", "union_admin", "finance")
BORROWERS = ("worker", "union_admin", "city_admin")


def require_venue_staff(user, venue):
    """Holdings and lending at a venue: the city, or the admin of the venue's host union."""
    if user.role == "city_admin":
        return
    if (user.role == "union_admin" and venue.get("host_union_id") is not None
            and venue["host_union_id"] == user.union_id):
        return
    raise forbidden("only the city or the admin of the venue's host union may do this")


def require_evaluate_venue(user, venue):
    """Four-goods evaluations: the city anywhere, a county reviewer in its county."""
    if user.role == "city_admin":
        return
    if user.role == "county_reviewer" and venue["county"] == user.county:
        return
    raise forbidden("only the city or a reviewer of the venue's county may evaluate it")


def may_read_loan(user, loan):
    if user.role == "city_admin":
        return True
    if user.role == "worker":
        return loan["borrower_id"] == user.id
    if user.role == "union_admin":
        return loan["host_union_id"] is not None and loan["host_union_id"] == user.union_id
    if user.role == "county_reviewer":
        return loan["county"] == user.county
    return False


def require_read_loan(user, loan):
    if not may_read_loan(user, loan):
        raise forbidden("this loan belongs to another reader, venue or county")


def require_handle_loan(user, loan):
    """Return or renew: the borrower itself, the host union's admin, or the city."""
    if user.role == "city_admin":
        return
    if user.role == "worker" and loan["borrower_id"] == user.id:
        return
    if (user.role == "union_admin" and loan["host_union_id"] is not None
            and loan["host_union_id"] == user.union_id):
        return
    raise forbidden("only the borrower, the venue's host union or the city may do this")


def library_scope(user, filters, own_key="borrower_id"):
    """Narrow a loan, evaluation or statistics query to what the caller may see."""
    scoped = dict(filters)

    def pin(key, value, message):
        if scoped.get(key, value) != value:
            raise forbidden(message)
        scoped[key] = value

    if user.role == "worker":
        pin(own_key, user.id, "a worker sees only its own loans")
    elif user.role == "union_admin":
        pin("host_union_id", user.union_id, "a union admin sees only its own union's venues")
    elif user.role == "county_reviewer":
        pin("county", user.county, "a county reviewer sees only its own county")
    return scoped


# figures by role: statistics, a year's decisions, a union's year (issue 18) ---------------
FIGURE_READERS = ("city_admin", "finance", "county_reviewer")


def stats_county(user, county):
    """The county a year's statistics are for: a county reviewer's own (the default;
    another county is 403); finance and the city any, or none for the whole city."""
    if user.role == "county_reviewer":
        # a reviewer without a county (a user set up wrong) must not read the whole city
        if not user.county or county not in (None, user.county):
            raise forbidden("a county reviewer sees only its own county's figures")
        return user.county
    return county


def year_scope(user, filters):
    """A year's decisions as the caller may see them: a union admin its own union's (the
    default; another's is 403), a county reviewer its county's (a union_id is checked
    against the union's county by the caller: see require_union_figures)."""
    scoped = dict(filters)
    if user.role == "union_admin":
        if scoped.get("union_id", user.union_id) != user.union_id:
            raise forbidden("a union admin sees only its own union's decisions")
        scoped["union_id"] = user.union_id
    elif user.role == "county_reviewer":
        scoped["county"] = user.county
    return scoped


def require_own_union(user, union_id):
    """A union admin asks of its own union only (checked before any look-up)."""
    if user.role == "union_admin" and union_id != user.union_id:
        raise forbidden("a union admin sees only its own union's decisions")


def require_union_figures(user, union):
    """A union's decisions and figures: its admins, its county's reviewer, finance and
    the city."""
    if user.role in MONEY:
        return
    if user.role == "union_admin" and union["id"] == user.union_id:
        return
    if user.role == "county_reviewer" and union["county"] == user.county:
        return
    raise forbidden("a union's figures are for its admins, its county's reviewer, finance "
                    "and the city")
