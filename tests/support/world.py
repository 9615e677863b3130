"""A small federation for tests: the city, two counties, grassroots unions, users, a fund."""
from dataclasses import dataclass, field
from datetime import timedelta

from services.common.clock import local_today

PASSWORD = "password-for-tests"


@dataclass
class World:
    system: object
    unions: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    fund: dict = None

    def as_user(self, username):
        return self.system.client(username, PASSWORD)


def build_world(system, budget="232500.00", year=None):
    admin = system.client()
    world = World(system)

    def union(key, **body):
        answer = admin.post("/api/v1/unions", body)
        assert answer.status_code == 201, answer.text
        world.unions[key] = answer.json()
        return answer.json()

    city = union("city", name="张掖市总工会", level="city", county="张掖市", members=1000)
    ganzhou = union("ganzhou", name="甘州区总工会", level="county", county="甘州区",
                    members=300, parent_id=city["id"])
    linze = union("linze", name="临泽县总工会", level="county", county="临泽县", members=200,
                  parent_id=city["id"])
    union("power", name="国网甘州供电工会", level="grassroots", county="甘州区", members=120,
          parent_id=ganzhou["id"])
    union("school", name="临泽县第一中学工会", level="grassroots", county="临泽县", members=80,
          parent_id=linze["id"])
    for username, role, extra in [
        ("rev_ganzhou", "county_reviewer", {"county": "甘州区"}),
        ("rev_linze", "county_reviewer", {"county": "临泽县"}),
        ("ua_power", "union_admin", {"union_id": world.unions["power"]["id"]}),
        ("ua_school", "union_admin", {"union_id": world.unions["school"]["id"]}),
        ("finance", "finance", {}),
        ("finance2", "finance", {}),  # the second person who confirms a payment
        ("ops", "ops", {}),
        ("worker", "worker", {}),
    ]:
        answer = admin.post("/api/v1/users", dict(username=username, password=PASSWORD,
                                                  role=role, **extra))
        assert answer.status_code == 201, answer.text
        world.users[username] = answer.json()
    answer = admin.post("/api/v1/funds", {"name": "职工文体活动补助资金", "year": year or local_today().year,
                                          "policy": "activity", "budget": budget})
    assert answer.status_code == 201, answer.text
    world.fund = answer.json()
    return world


def activity_body(union_id, **overrides):
    body = {"union_id": union_id, "title": "职工读书分享会", "category": "reading",
            "held_on": (local_today() - timedelta(days=2)).isoformat(), "participants": 40,
            "expenses": "1500.00",
            "evidence": [{"kind": "photo", "url": "https://example.org/photo.jpg"}]}
    body.update(overrides)
    return body
