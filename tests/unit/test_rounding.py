"""Averages and shares are rounded half up (to the fen, to four places, to two for
points), never truncated and never to the even neighbour: the activities and library
services' figures, and the year-end report's averages."""
from datetime import date

from services.activities import domain as activities
from services.library import domain as library
from services.common.money import average_fen as half_up_fen

THEMES = activities.default_themes()


def test_shares_are_rounded_half_up_to_four_places():
    assert activities.ratio(2, 3) == "0.6667"  # truncated it read 0.6666
    assert activities.ratio(1, 3) == "0.3333"
    assert activities.ratio(1, 32) == "0.0313"  # 0.03125: the half goes up
    assert activities.ratio(3, 32) == "0.0938"  # 0.09375: up, not to the even 0.0937
    assert activities.ratio(5, 5) == "1.0000" and activities.ratio(0, 7) == "0.0000"
    assert activities.ratio(1, 0) is None


def test_an_average_score_is_rounded_half_up_to_two_places():
    figures = activities.satisfaction([5] + [4] * 7)  # 33 / 8 = 4.125
    assert figures["average"] == "4.13"  # half-even would say 4.12
    assert activities.satisfaction([5, 4, 4])["average"] == "4.33"
    assert activities.satisfaction([5, 5, 4])["average"] == "4.67"
    assert activities.satisfaction([])["average"] is None


def test_the_target_is_met_on_the_exact_share_not_on_the_rounded_one():
    just_under = activities.satisfaction([5] * 18999 + [1] * 1001)  # 0.94995
    assert just_under["satisfaction"] == "0.9500"  # shown rounded half up ...
    assert just_under["meets_target"] is False  # ... but 94.995 % is not 95 %
    exactly = activities.satisfaction([5] * 19 + [3])
    assert exactly["satisfaction"] == "0.9500" and exactly["meets_target"] is True
    above = activities.satisfaction([5] * 2 + [4])
    assert above["satisfaction"] == "1.0000" and above["meets_target"] is True


def test_season_theme_shares_and_the_published_satisfaction_round_half_up():
    held = [activities.Held("甘州区", "grassroots", category, date(2026, month, 10))
            for category, month in (("women", 3), ("women", 4), ("culture", 5))]
    spring = {s["season"]: s for s in activities.season_shares(held, THEMES)}["spring"]
    assert (spring["matching"], spring["activities"], spring["share"]) == (2, 3, "0.6667")
    stats = activities.statistics(2026, held, [5, 5, 3])
    assert stats["published"]["lecture_satisfaction"] == "0.6667"


def test_the_library_rounds_half_up():
    assert library.half_up(1100, 3, 2) == "366.67"
    assert library.half_up(657, 8, 2) == "82.13"  # 82.125
    assert library.half_up(2, 3, 4) == "0.6667"
    assert library.half_up(1, 0, 2) is None
    evaluations = [{"venue_id": n, "rating": "good", "total": total}
                   for n, total in enumerate([82] * 7 + [83])]
    figures = library.year_figures([], evaluations, [])
    assert figures["evaluations"]["average_total"] == "82.13"
    assert figures["evaluations"]["venues_evaluated"] == 8
    assert library.year_figures([], [], [])["evaluations"]["average_total"] is None


def test_the_year_reports_averages_are_half_up_to_the_fen():
    assert half_up_fen(110000, 3) == 36667  # 1100.00 / 3 = 366.67, not 366.66
    assert half_up_fen(5, 2) == 3 and half_up_fen(4, 3) == 1 and half_up_fen(7, 2) == 4
    assert half_up_fen(29000, 1) == 29000 and half_up_fen(0, 0) == 0


def test_a_share_a_threshold_reads_is_cut_never_rounded_up():
    from services.activities import domain
    assert domain.share_not_above(18999, 20000) == "0.9499"  # 94.995 %: not yet 95 %
    assert domain.ratio(18999, 20000) == "0.9500"            # as people read it
    assert domain.share_not_above(19, 20) == "0.9500" and domain.share_not_above(1, 0) is None
