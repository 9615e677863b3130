"""Reading statistics: loans and readers by venue, county and month; the autumn reading
season; venues idle in a period; the network's year for the year-end report."""
from datetime import date, timedelta

from sqlalchemy import func, select

from services.common.errors import Invalid
from services.common.paging import page
from services.common.schema import load
from services.library import domain, queries
from services.library.contract import SeasonFilter, VenueOut
from services.library.entrypoints.common import rpc, stats_filter
from services.library.models import Copy, Evaluation, Loan, Venue, VenueActivity


class StatisticsEntrypoints:
    @rpc
    def loan_statistics(self, filters):
        """Loans and active readers per venue, county and month (Asia/Shanghai)."""
        data = stats_filter(filters)
        with self.db.session() as session:
            rows = queries.loan_rows(session, data)
        answer = domain.loan_statistics(rows)
        answer.update(date_from=data["date_from"].isoformat(),
                      date_to=data["date_to"].isoformat())
        return answer

    @rpc
    def reading_season(self, year, filters=None):
        """The autumn reading season (职工读书季, September to November) of a year."""
        season = load(SeasonFilter(), dict(filters or {}, year=year))
        year = season.pop("year")
        start, end = domain.reading_season(year)
        data = stats_filter(dict(season, date_from=start.isoformat(), date_to=end.isoformat()))
        with self.db.session() as session:
            loans = domain.loan_statistics(queries.loan_rows(session, data))
            venue_ids = queries.venue_ids(session, data)
            held = session.execute(
                select(VenueActivity.category, VenueActivity.participants,
                       VenueActivity.venue_id)
                .where(VenueActivity.held_on >= start, VenueActivity.held_on <= end,
                       VenueActivity.venue_id.in_(venue_ids))).all()
            new_copies = session.scalar(select(func.count(Copy.id)).where(
                Copy.venue_id.in_(venue_ids), Copy.created_at >= queries.utc_start(start),
                Copy.created_at < queries.utc_start(end + timedelta(days=1))))
        reading = [row for row in held if row.category == "reading"]
        return {
            "year": year, "theme": "职工读书季", "date_from": start.isoformat(),
            "date_to": end.isoformat(), "loans": loans["loans"],
            "active_readers": loans["active_readers"],
            "activities_at_venues": len(held), "reading_activities": len(reading),
            "reading_participants": sum(row.participants for row in reading),
            "venues_with_activities": len({row.venue_id for row in held}),
            "venues_with_loans": len(loans["by_venue"]), "copies_added": new_copies,
            "by_county": loans["by_county"], "by_month": loans["by_month"],
        }

    @rpc
    def year_figures(self, year, county=None):
        """The reading network for the year-end report: open venues by kind, the four-goods
        evaluations of the year's periods (a year, its halves, quarters and months), and
        the approved activities held at venues that year (activities counts them too)."""
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise Invalid("no such year", {"year": ["a year from 2000 to 2100"]})
        start, end = date(year, 1, 1), date(year, 12, 31)
        in_county = (lambda query: query) if county is None else (
            lambda query: query.where(Venue.county == county))
        with self.db.session() as session:
            venues = session.execute(in_county(
                select(Venue.county, Venue.kind, Venue.floor_area_m2, Venue.seats,
                       Venue.e_reading_devices).where(Venue.status == "open"))).all()
            evaluations = session.execute(in_county(
                select(Evaluation.venue_id, Evaluation.rating, Evaluation.total)
                .join(Venue, Venue.id == Evaluation.venue_id)
                .where(Evaluation.period_start >= start, Evaluation.period_end <= end))).all()
            held = session.scalars(in_county(
                select(VenueActivity.category).join(Venue, Venue.id == VenueActivity.venue_id)
                .where(VenueActivity.held_on >= start, VenueActivity.held_on <= end))).all()
        answer = domain.year_figures([row._asdict() for row in venues],
                                     [row._asdict() for row in evaluations], held)
        return dict(answer, year=year, county=county)

    @rpc
    def idle_venues(self, filters, limit=50, offset=0):
        """Open venues without a loan and without an approved activity in the period."""
        data = stats_filter(filters)
        with self.db.session() as session:
            query = queries.venue_query(data).where(Venue.status == "open")
            lent = select(Loan.venue_id).distinct().where(
                Loan.borrowed_on >= data["date_from"], Loan.borrowed_on <= data["date_to"])
            active = select(VenueActivity.venue_id).distinct().where(
                VenueActivity.held_on >= data["date_from"],
                VenueActivity.held_on <= data["date_to"])
            query = query.where(Venue.id.not_in(lent), Venue.id.not_in(active))
            answer = page(session, query, Venue.id, VenueOut(), limit, offset)
        answer.update(date_from=data["date_from"].isoformat(),
                      date_to=data["date_to"].isoformat())
        return answer
