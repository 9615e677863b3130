"""The activities' demo data, loaded through the gateway (called by scripts/demo.py).

A lecturer pool of 30 for the 金张掖职工大思政课, the year's four-seasons themes (四季歌),
and activities the grassroots unions held in the last weeks, spread over the six counties,
most of them approved (so the coverage view and the statistics have something to show).
Loading twice creates nothing twice: lecturers and activities are looked up first, and
setting a season's theme is an idempotent PUT.
"""
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

GATEWAY = "http://127.0.0.1:%s" % os.environ.get("CM_GATEWAY_PORT", "8000")
COUNTIES = ("甘州区", "临泽县", "高台县", "山丹县", "民乐县", "肃南裕固族自治县")

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ("建国", "秀兰", "志强", "海燕", "国庆", "丽娟", "文军", "晓梅", "振华", "春花",
         "永福", "玉兰", "德明", "红霞", "立新", "桂英", "学军", "淑芬", "卫东", "艳玲",
         "长青", "雪梅", "世杰", "凤英", "明辉", "慧敏", "正义", "翠兰", "光荣", "静怡")
TITLES = ("市委党校教授", "劳动模范", "大国工匠", "高级讲师", "全国五一劳动奖章获得者",
          "宣讲团成员", "高级工程师", "法律顾问")
ORGANIZATIONS = ("中共张掖市委党校", "河西学院", "张掖市总工会宣讲团", "国网张掖供电公司",
                 "张掖市中级人民法院", "酒钢集团张掖分公司")
TOPICS = (["新时代劳模精神", "工匠精神进企业"], ["职工思想政治教育", "党的创新理论"],
          ["女职工权益保护", "家庭教育"], ["劳动法律法规", "劳动合同与维权"],
          ["安全生产", "职业健康"], ["河西走廊历史文化", "丝路文化"],
          ["乡村振兴", "产业工人队伍建设改革"], ["心理健康", "职工压力疏导"])

SEASON_THEMES = {
    "spring": ("春之韵·女职工风采展示", ["women", "exhibition"]),
    "summer": ("夏之歌·红五月职工文体活动季", ["sports", "culture"]),
    "autumn": ("秋之实·职工读书季", ["reading", "lecture"]),
    "winter": ("冬之暖·温暖文化季", ["culture", "exhibition"]),
}

# (title, category, days ago, share of members taking part, spent yuan, review)
ACTIVITIES = [
    ("职工读书分享会", "reading", 3, 0.6, "1500.00", "approve"),
    ("大思政课：劳模精神进车间", "lecture", 8, 0.8, "800.00", "approve"),
    ("职工趣味运动会", "sports", 14, 0.9, "3200.00", "approve"),
    ("书法摄影作品展", "exhibition", 20, 0.5, "2100.00", "approve"),
    ("女职工插花技艺展示", "women", 27, 0.4, "1200.00", "approve"),
    ("职工合唱比赛", "culture", 33, 0.7, "2600.00", "approve"),
    ("大思政课：安全生产与职业健康", "lecture", 41, 0.8, "600.00", "approve"),
    ("职工篮球友谊赛", "sports", 48, 0.5, "1800.00", "approve"),
    ("“书香工会”共读一本书", "reading", 56, 0.6, "900.00", "approve"),
    ("职工文艺汇演", "culture", 64, 0.9, "4500.00", "approve"),
    ("职工健步走", "sports", 72, 1.0, "700.00", "submit"),
    ("劳动法律知识讲座", "lecture", 79, 0.5, "500.00", "return"),
]


def load(admin, context):
    """admin: the demo's Gateway client; context: {"unions": [grassroots], "year": int}."""
    year = context["year"]
    for season, (theme, categories) in SEASON_THEMES.items():
        _put(admin, "/api/v1/seasons/%d/%s" % (year, season),
             {"theme": theme, "categories": categories})
    lecturers = [_lecturer(admin, index) for index in range(30)]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    unions = context["unions"]
    for index, union in enumerate(unions):
        for offset in range(2):  # two activities per union, a different pair each
            title, category, days_ago, share, spent, review = ACTIVITIES[
                (2 * index + offset) % len(ACTIVITIES)]
            lecturer = None
            if category == "lecture":
                local = [l for l in lecturers if l["county"] == union["county"]] or lecturers
                lecturer = local[index % len(local)]["id"]
            _activity(admin, union, title, category, today - timedelta(days=days_ago + index % 3),
                      max(1, int(union["members"] * share)), spent, lecturer, review)


def _lecturer(admin, index):
    name = SURNAMES[index] + GIVEN[index]
    county = COUNTIES[index % len(COUNTIES)]
    found = admin.get("/api/v1/lecturers", name=name, county=county)["items"]
    if found:
        return found[0]
    return admin.post("/api/v1/lecturers", {
        "name": name, "title": TITLES[index % len(TITLES)],
        "organization": ORGANIZATIONS[index % len(ORGANIZATIONS)],
        "topics": TOPICS[index % len(TOPICS)], "county": county,
        "phone": "0936-82%05d" % (index * 37)}, tolerate=(409,)) or admin.get(
        "/api/v1/lecturers", name=name, county=county)["items"][0]


def _activity(admin, union, title, category, held_on, participants, spent, lecturer, review):
    title = "%s（%s）" % (title, union["name"])
    existing = [a for a in admin.get("/api/v1/activities", union_id=union["id"],
                                     limit=500)["items"] if a["title"] == title]
    if existing:
        return existing[0]
    activity = admin.post("/api/v1/activities", {
        "union_id": union["id"], "title": title, "category": category,
        "held_on": held_on.isoformat(), "participants": participants, "expenses": spent,
        "lecturer_id": lecturer,
        "description": "%s组织职工开展%s，活动照片、签到表和票据已上传。" % (union["name"], title),
        "evidence": [{"kind": "photo", "url": "https://example.org/demo/%s.jpg" % held_on},
                     {"kind": "sign_in_sheet", "url": "https://example.org/demo/sign-in.pdf"},
                     {"kind": "receipt", "url": "https://example.org/demo/receipt.pdf"}]},
        tolerate=(422,))  # e.g. a union whose members are fewer than the demo assumes
    if activity is None:
        return None
    path = "/api/v1/activities/%d" % activity["id"]
    if review == "approve":
        admin.post(path + "/approve", {"comment": "材料齐全，同意补助"}, tolerate=(409,))
    elif review == "return":
        admin.post(path + "/return", {"reason": "请补充讲座课件和签到表"}, tolerate=(409,))
    return activity


def _put(admin, path, body):
    if hasattr(admin, "put"):  # a client that speaks PUT itself
        return admin.put(path, body)
    answer = admin.session.put(GATEWAY + path, json=body, timeout=30)
    if answer.status_code != 200:
        raise SystemExit("demo: PUT %s -> %s %s" % (path, answer.status_code, answer.text))
    return answer.json()
