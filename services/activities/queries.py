"""What the entrypoints read: statements every review runs (built once: building one and
its cache key costs more than running it) and the lookups the entrypoint modules share."""
from sqlalchemy import bindparam, func, insert, select, update

from services.activities import contract, domain
from services.activities.models import Activity, HistoryEntry, Lecturer, SeasonTheme, Union
from services.common.clock import iso
from services.common.errors import Conflict, Invalid
from services.common.lookup import row_or_404, row_or_none, storable_id

# The conditional update makes two racing reviewers produce one winner.
MOVE = (update(Activity.__table__)
        .where(Activity.__table__.c.id == bindparam("activity_id"),
               Activity.__table__.c.status == bindparam("expected"))
        .values(status=bindparam("target"), updated_at=bindparam("now")))
INSERT_HISTORY = insert(HistoryEntry.__table__)
THEMES_OF_YEAR = select(SeasonTheme).where(SeasonTheme.year == bindparam("year"))

# A schema instance is stateless once built and costly to build.
ACTIVITY_OUT = contract.ActivityOut()
UNION_OUT = contract.UnionOut()
LECTURER_OUT = contract.LecturerOut()


# rows by id ------------------------------------------------------------------------------
def activity(session, activity_id):
    return row_or_404(session, Activity, activity_id, "activity")


def union(session, union_id):
    return row_or_404(session, Union, union_id, "union")


def lecturer(session, lecturer_id):
    return row_or_404(session, Lecturer, lecturer_id, "lecturer")


def union_or_invalid(session, union_id):
    """The union a report names (422, not 404, when there is none)."""
    found = row_or_none(session, Union, union_id)
    if found is None:
        raise Invalid("unknown union", {"union_id": ["no such union"]})
    return found


def parent(session, parent_id):
    if parent_id is None:
        return None
    found = session.get(Union, parent_id)
    if found is None:
        raise Invalid("unknown parent union", {"parent_id": ["no such union"]})
    return found


def check_union_name(session, name):
    if session.scalar(select(Union.id).where(Union.name == name)):
        raise Conflict("a union with this name exists", {"name": name})


def children_of(session, union_id):
    return session.scalar(select(func.count()).select_from(Union)
                          .where(Union.parent_id == union_id))


def union_dict(row):
    """What the domain's union rules need of a union."""
    return {"level": row.level, "county": row.county, "members": row.members}


def union_state(row):
    """The fields a change may touch, as they are."""
    return {"name": row.name, "county": row.county, "parent_id": row.parent_id,
            "members": row.members, "contacts": row.contacts}


def lecturer_state(session, lecturer_id):
    """None (none named), "unknown" or {"active": ...}, for domain.lecturer_errors."""
    if lecturer_id is None:
        return None
    found = session.get(Lecturer, lecturer_id) if storable_id(lecturer_id) else None
    return {"active": found.active} if found else "unknown"


# the calendar ----------------------------------------------------------------------------
def themes(session, year):
    rows = session.scalars(THEMES_OF_YEAR, {"year": year}).all()
    return domain.themes_for({row.season: {"theme": row.theme, "categories": row.categories}
                              for row in rows})


def season_view(session, year):
    rows = {row.season: row for row in session.scalars(
        select(SeasonTheme).where(SeasonTheme.year == year))}
    year_themes = themes(session, year)
    seasons = []
    for season, spec in domain.SEASONS.items():
        row = rows.get(season)
        seasons.append({
            "season": season, "name": domain.SEASON_NAMES[season],
            "months": list(spec["months"]), "theme": year_themes[season]["theme"],
            "categories": year_themes[season]["categories"], "configured": row is not None,
            "launch_month": domain.LAUNCH_MONTHS.get(season),
            "updated_by": row.updated_by if row else None,
            "updated_at": iso(row.updated_at) if row else None})
    return {"year": year, "seasons": seasons}


# figures ---------------------------------------------------------------------------------
def scoped(query, county, union_id):
    if county is not None:
        query = query.where(Activity.county == county)
    if union_id is not None:
        query = query.where(Activity.union_id == union_id)
    return query


def held(session, year, county=None, union_id=None, status=None):
    query = select(Activity.county, Activity.tier, Activity.category, Activity.held_on,
                   Activity.status, Activity.participants, Activity.expenses_fen,
                   Activity.union_id).where(Activity.year == year)
    if status:
        query = query.where(Activity.status == status)
    return [domain.Held(*row) for row in session.execute(scoped(query, county, union_id))]


def counties(session, configured):
    """The configured counties, then any other a county federation is in."""
    found = list(configured)
    for county in session.scalars(select(Union.county).where(Union.level == "county")
                                  .order_by(Union.id)):
        if county not in found:
            found.append(county)
    return found
