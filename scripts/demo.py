"""Wait for the system, load the demo data set through the gateway, print how to use it.

Run by scripts/start. Loading twice creates nothing twice: unions are looked up by
name, and users and funds already there answer 409.
"""
import os
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import requests

import demo_library  # the reading network (scripts/demo_library.py)
import demo_activities  # lecturers, season themes, activities (scripts/demo_activities.py)

GATEWAY = "http://127.0.0.1:%s" % os.environ.get("CM_GATEWAY_PORT", "8000")
DEMO_PASSWORD = "zhangye-demo-2026"
COUNTIES = {
    "甘州区": ["张掖市甘州区环卫工人工会", "国网张掖供电公司甘州分公司工会"],
    "临泽县": ["临泽县红枣产业合作社工会", "临泽县第一中学工会"],
    "高台县": ["高台县人民医院工会", "高台县交通运输局工会"],
    "山丹县": ["山丹县建筑业联合工会", "山丹县马场职工工会"],
    "民乐县": ["民乐县食品产业园工会", "民乐县邮政分公司工会"],
    "肃南裕固族自治县": ["肃南县牧业合作社工会", "肃南县文化旅游集团工会"],
}
REVIEWER_NAMES = {"甘州区": "ganzhou", "临泽县": "linze", "高台县": "gaotai", "山丹县": "shandan",
                  "民乐县": "minle", "肃南裕固族自治县": "sunan"}


class Gateway:
    def __init__(self, token=None):
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = "Bearer " + token

    def post(self, path, body, ok=(200, 201), tolerate=()):
        answer = self.session.post(GATEWAY + path, json=body, timeout=30)
        if answer.status_code in tolerate:
            return None
        if answer.status_code not in ok:
            raise SystemExit("demo: POST %s -> %s %s" % (path, answer.status_code, answer.text))
        return answer.json()

    def get(self, path, **params):
        answer = self.session.get(GATEWAY + path, params=params, timeout=30)
        answer.raise_for_status()
        return answer.json()


def wait_until_ready(deadline_seconds=180):
    deadline = time.monotonic() + deadline_seconds
    port = int(os.environ.get("CM_GATEWAY_PORT", "8000"))
    urls = ["http://127.0.0.1:%d/readyz" % (port + offset) for offset in range(5)]
    while time.monotonic() < deadline:
        try:
            if all(requests.get(url, timeout=2).status_code == 200 for url in urls):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("demo: the system was not ready within %ss" % deadline_seconds)


def union(gateway, name, level, county, members, parent_id=None):
    found = gateway.get("/api/v1/unions", name=name)["items"]
    if found:
        return found[0]
    return gateway.post("/api/v1/unions", {"name": name, "level": level, "county": county,
                                           "members": members, "parent_id": parent_id})


def load(admin):
    users = []
    city = union(admin, "张掖市总工会", "city", "张掖市", 1200)
    grassroots = []
    for county, names in COUNTIES.items():
        federation = union(admin, "%s总工会" % county, "county", county, 300, city["id"])
        for index, name in enumerate(names):
            grassroots.append(union(admin, name, "grassroots", county, 60 + 40 * index,
                                    federation["id"]))
        users.append(("rev_%s" % REVIEWER_NAMES[county], "county_reviewer", county, None))
    for index, member in enumerate(grassroots[:6], start=1):
        users.append(("union%d" % index, "union_admin", None, member["id"]))
    users += [("finance", "finance", None, None), ("ops", "ops", None, None),
              ("worker", "worker", None, grassroots[0]["id"])]
    for username, role, county, union_id in users:
        admin.post("/api/v1/users", {"username": username, "password": DEMO_PASSWORD,
                                     "role": role, "county": county, "union_id": union_id},
                   tolerate=(409,))
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    admin.post("/api/v1/funds", {"name": "%d年度职工文体活动补助资金" % year, "year": year,
                                 "policy": "activity", "budget": "232500.00"}, tolerate=(409,))
    demo_library.load(admin, {"unions": grassroots, "year": year})
    demo_activities.load(admin, {"unions": grassroots, "year": year})
    return users, {u["id"]: u["name"] for u in grassroots}


def main():
    wait_until_ready()
    admin_name = os.environ.get("CM_ADMIN_USERNAME", "admin")
    admin_password = os.environ.get("CM_ADMIN_PASSWORD", "")
    token = Gateway().post("/api/v1/auth/token", {"username": admin_name,
                                                  "password": admin_password})["access_token"]
    admin = Gateway(token)
    users, union_names = [], {}
    if os.environ.get("CM_DEMO", "1") != "0":
        users, union_names = load(admin)
    print_welcome(admin_name, admin_password, users, union_names)


def print_welcome(admin_name, admin_password, users, union_names):
    lines = ["", "Culture Matrix 职工文化服务矩阵 is running at %s" % GATEWAY,
             "The console (sign in with a user below): %s/" % GATEWAY,
             "API documentation: %s/docs" % GATEWAY, "",
             "Users (role, scope):",
             "  %-14s %-16s password %s" % (admin_name, "city_admin", admin_password)]
    for username, role, county, union_id in users:
        scope = county or union_names.get(union_id, "")
        lines.append("  %-14s %-16s password %s  %s" % (username, role, DEMO_PASSWORD, scope))
    if users:
        first_union = users[6][3]
        lines += ["", "Walk-through (a union reports, its county reviewer approves, the subsidy follows):",
                  "  T=$(curl -s -XPOST %s/api/v1/auth/token -d '{\"username\":\"union1\",\"password\":\"%s\"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)[\"access_token\"])')" % (GATEWAY, DEMO_PASSWORD),
                  "  curl -s -XPOST %s/api/v1/activities -H \"Authorization: Bearer $T\" -d '{\"union_id\":%d,\"title\":\"职工读书分享会\",\"category\":\"reading\",\"held_on\":\"%s\",\"participants\":40,\"expenses\":\"1500.00\",\"evidence\":[{\"kind\":\"photo\",\"url\":\"https://example.org/photo.jpg\"}]}'" % (GATEWAY, first_union, datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()),
                  "  R=$(curl -s -XPOST %s/api/v1/auth/token -d '{\"username\":\"rev_ganzhou\",\"password\":\"%s\"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)[\"access_token\"])')" % (GATEWAY, DEMO_PASSWORD),
                  "  curl -s -XPOST %s/api/v1/activities/<id>/approve -H \"Authorization: Bearer $R\" -d '{}'" % GATEWAY,
                  "  curl -s '%s/api/v1/subsidies?activity_id=<id>' -H \"Authorization: Bearer $T\"" % GATEWAY,
                  "  curl -s %s/api/v1/notifications -H \"Authorization: Bearer $T\"" % GATEWAY]
    lines += ["", "Press Ctrl-C to stop everything.", ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
