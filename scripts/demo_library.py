"""The reading network's demo data, loaded through the gateway (called by scripts/demo.py).

The real shape of Zhangye's network: 5 county worker culture palaces and 1 worker club
totalling 12,000 m², 88 reading corners in outdoor-worker rest stations spread over the
six counties, worker book-houses, model-worker bookshelves, craftsman studies, shared
book-houses in township and community service centres, worker homes, and some holdings.
Loading twice creates nothing twice: venues are looked up by name first, and copies carry
fixed barcodes (a repeat answers 409).
"""

COUNTIES = ("甘州区", "临泽县", "高台县", "山丹县", "民乐县", "肃南裕固族自治县")
CENTRES = {  # approximate county seats (lat, lon)
    "甘州区": (38.933, 100.455), "临泽县": (39.152, 100.164), "高台县": (39.378, 99.819),
    "山丹县": (38.785, 101.088), "民乐县": (38.431, 100.812), "肃南裕固族自治县": (38.836, 99.616),
}
SHORT = {"甘州区": "甘州", "临泽县": "临泽", "高台县": "高台", "山丹县": "山丹", "民乐县": "民乐",
         "肃南裕固族自治县": "肃南"}
CODE = {"甘州区": "GZ", "临泽县": "LZ", "高台县": "GT", "山丹县": "SD", "民乐县": "ML",
        "肃南裕固族自治县": "SN"}

# 5 county culture palaces and 1 worker club: 12,000 m² together
PALACES = [
    ("甘州区工人文化宫", "culture_palace", "甘州区", 3000, 400, 20),
    ("临泽县工人文化宫", "culture_palace", "临泽县", 2000, 260, 12),
    ("高台县工人文化宫", "culture_palace", "高台县", 2000, 260, 12),
    ("山丹县工人文化宫", "culture_palace", "山丹县", 1800, 220, 10),
    ("民乐县工人文化宫", "culture_palace", "民乐县", 1700, 200, 10),
    ("肃南裕固族自治县职工俱乐部", "worker_club", "肃南裕固族自治县", 1500, 180, 8),
]
# 88 reading corners in outdoor-worker rest stations
CORNERS = {"甘州区": 30, "临泽县": 12, "高台县": 12, "山丹县": 12, "民乐县": 12,
           "肃南裕固族自治县": 10}
STATION_HOSTS = ("环卫工人", "快递小哥", "出租车司机", "建筑工人", "交通协管")
OTHERS = [
    ("甘州区职工书屋（国网张掖供电公司）", "book_house", "甘州区", 180, 40, 4),
    ("临泽县职工书屋（红枣产业合作社）", "book_house", "临泽县", 90, 20, 2),
    ("高台县职工书屋（县人民医院）", "book_house", "高台县", 120, 30, 3),
    ("山丹县职工书屋（山丹马场）", "book_house", "山丹县", 100, 24, 2),
    ("民乐县职工书屋（食品产业园）", "book_house", "民乐县", 110, 26, 2),
    ("肃南县职工书屋（文化旅游集团）", "book_house", "肃南裕固族自治县", 80, 16, 2),
    ("甘州区劳模书架（市劳模创新工作室）", "model_worker_bookshelf", "甘州区", 20, 6, 1),
    ("高台县劳模书架（交通运输局）", "model_worker_bookshelf", "高台县", 15, 4, 0),
    ("民乐县劳模书架（邮政分公司）", "model_worker_bookshelf", "民乐县", 15, 4, 0),
    ("甘州区匠心书苑（工匠学院）", "craftsman_study", "甘州区", 150, 36, 6),
    ("山丹县匠心书苑（建筑业联合工会）", "craftsman_study", "山丹县", 80, 20, 2),
    ("甘州区梁家墩镇共享职工书屋", "shared_book_house", "甘州区", 120, 30, 2),
    ("临泽县沙河镇共享职工书屋", "shared_book_house", "临泽县", 90, 24, 1),
    ("高台县城关镇社区服务中心共享职工书屋", "shared_book_house", "高台县", 100, 24, 2),
    ("甘州区职工之家（环卫工人工会）", "worker_home", "甘州区", 200, 50, 2),
    ("肃南县职工之家（牧业合作社）", "worker_home", "肃南裕固族自治县", 160, 40, 1),
]
# (ISBN-13 without its check digit, title, author); check digits are computed
BOOKS = [
    ("978702000220", "红楼梦", "曹雪芹"),
    ("978753021292", "平凡的世界", "路遥"),
    ("978702008125", "人生", "路遥"),
    ("978754424291", "活着", "余华"),
    ("978710115456", "大国工匠", "中华全国总工会宣教部"),
    ("978750155432", "劳动法律法规读本", "中国工人出版社"),
]


def isbn13(stem):
    total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(stem))
    return stem + str((10 - total % 10) % 10)


def _existing_names(admin):
    names, offset = set(), 0
    while True:
        page = admin.get("/api/v1/venues", limit=500, offset=offset)
        names.update(v["name"] for v in page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return names


def _venues(unions):
    by_county = {}
    for union in unions:
        by_county.setdefault(union["county"], []).append(union)

    def host(county, index=0):
        members = by_county.get(county) or [None]
        chosen = members[index % len(members)]
        return chosen["id"] if chosen else None

    def at(county, step):
        lat, lon = CENTRES[county]
        return round(lat + 0.004 * (step % 7 - 3), 5), round(lon + 0.005 * (step % 5 - 2), 5)

    venues = []
    for index, (name, kind, county, area, seats, devices) in enumerate(PALACES):
        lat, lon = at(county, index)
        venues.append({"name": name, "kind": kind, "county": county, "host_union_id": None,
                       "address": "%s城区" % county, "latitude": lat, "longitude": lon,
                       "floor_area_m2": area, "seats": seats, "opening_hours": "09:00-21:00",
                       "e_reading_devices": devices})
    for county, count in CORNERS.items():
        for number in range(1, count + 1):
            lat, lon = at(county, number)
            venues.append({
                "name": "%s%s驿站读书角（%02d号）" % (SHORT[county],
                                               STATION_HOSTS[number % len(STATION_HOSTS)], number),
                "kind": "rest_station_corner", "county": county,
                "host_union_id": host(county, number), "address": "%s户外劳动者驿站" % county,
                "latitude": lat, "longitude": lon, "floor_area_m2": 20 + number % 3 * 5,
                "seats": 6 + number % 3 * 2, "opening_hours": "全天开放",
                "e_reading_devices": 1 if number % 2 else 0})
    for index, (name, kind, county, area, seats, devices) in enumerate(OTHERS):
        lat, lon = at(county, index + 3)
        venues.append({"name": name, "kind": kind, "county": county,
                       "host_union_id": host(county, index), "address": county,
                       "latitude": lat, "longitude": lon, "floor_area_m2": area, "seats": seats,
                       "opening_hours": "09:00-18:00", "e_reading_devices": devices})
    return venues


def load(admin, context):
    """Register the network and some holdings; returns the number of venues it added."""
    existing = _existing_names(admin)
    added = 0
    created = {}
    for venue in _venues(context.get("unions") or []):
        if venue["name"] in existing:
            continue
        answer = admin.post("/api/v1/venues", venue, tolerate=(409,))
        if answer is not None:
            created[answer["name"]] = answer
            added += 1
    # holdings in the palaces, the club and the book-houses: fixed barcodes, so a second
    # load answers 409 and adds nothing
    shelves = [v for v in created.values() if v["kind"] in
               ("culture_palace", "worker_club", "book_house", "craftsman_study")]
    for venue in shelves:
        for number, (stem, title, author) in enumerate(BOOKS, start=1):
            copies = 3 if venue["kind"] in ("culture_palace", "worker_club") else 1
            barcodes = ["%s-%04d-%02d-%d" % (CODE[venue["county"]], venue["id"], number, c)
                        for c in range(1, copies + 1)]
            admin.post("/api/v1/venues/%d/holdings" % venue["id"],
                       {"isbn": isbn13(stem), "title": title, "author": author,
                        "copies": copies, "barcodes": barcodes}, tolerate=(409,))
    return added
