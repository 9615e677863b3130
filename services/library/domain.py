"""Rules of the reading network (pure)."""

VENUE_KINDS = {
    "culture_palace": "工人文化宫",
    "worker_club": "职工俱乐部",
    "book_house": "职工书屋",
    "model_worker_bookshelf": "劳模书架",
    "craftsman_study": "匠心书苑",
    "rest_station_corner": "户外劳动者驿站读书角",
    "shared_book_house": "共享职工书屋",
    "worker_home": "职工之家",
}


def counts_toward_venue(facts):
    """An approved activity held at a venue counts toward the venue's activities score."""
    return facts.get("venue_id") is not None
