"""The four seasons (四季歌): each year's themes and the categories that match them."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.activities import contract, domain, queries
from services.activities.entrypoints.base import Shared
from services.activities.models import SeasonTheme
from services.common.clock import utcnow
from services.common.errors import NotFound, expected_rpc
from services.common.schema import load

rpc = expected_rpc()
SEASONS_OUT = contract.SeasonsOut()


class SeasonEntrypoints(Shared):
    @rpc
    def season_themes(self, year):
        with self.db.session() as session:
            return SEASONS_OUT.dump(queries.season_view(session, year))

    @rpc
    def set_season_theme(self, year, season, payload, actor):
        data = load(contract.SeasonThemeIn(), payload)
        if season not in domain.SEASONS:
            raise NotFound("no season %s" % season)
        for _ in range(3):  # two first settings of a season race on its unique key: redo
            try:
                with self.db.unit_of_work() as uow:
                    row = uow.session.scalars(select(SeasonTheme).where(
                        SeasonTheme.year == year, SeasonTheme.season == season)).first()
                    if row is None:
                        row = SeasonTheme(year=year, season=season)
                        uow.session.add(row)
                    row.theme, row.categories = data["theme"], sorted(set(data["categories"]))
                    row.updated_by, row.updated_at = actor, utcnow()
                break
            except IntegrityError:
                continue
        return self.season_themes(year)
