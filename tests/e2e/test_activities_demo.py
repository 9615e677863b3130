"""The activities' demo data: lecturers, season themes and activities, loaded twice."""
import importlib.util
from pathlib import Path

from services.common.clock import local_today
from tests.support.system import ROOT


def demo_activities():
    spec = importlib.util.spec_from_file_location(
        "demo_activities", Path(ROOT) / "scripts" / "demo_activities.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DemoGateway:
    """The interface of scripts/demo.py's Gateway over a test client, counting creations."""

    def __init__(self, client):
        self.client = client
        self.created = 0

    def get(self, path, **params):
        answer = self.client.get(path, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path, body, ok=(200, 201), tolerate=()):
        answer = self.client.post(path, body)
        if answer.status_code in tolerate:
            return None
        assert answer.status_code in ok, (path, answer.status_code, answer.text)
        self.created += answer.status_code == 201
        return answer.json()

    def put(self, path, body):
        answer = self.client.put(path, body)
        assert answer.status_code == 200, answer.text
        return answer.json()


def test_the_demo_loads_a_lecturer_pool_themes_and_covered_months_once(world):
    admin = world.system.client()
    year = local_today().year
    context = {"unions": [world.unions["power"], world.unions["school"]], "year": year}
    module = demo_activities()
    first = DemoGateway(admin)
    module.load(first, context)
    assert first.created == 30 + 4  # the pool and two activities per union

    pool = admin.get("/api/v1/lecturers", limit=100).json()
    assert pool["total"] == 30
    assert {l["county"] for l in pool["items"]} == set(module.COUNTIES)
    seasons = admin.get("/api/v1/seasons/%d" % year).json()["seasons"]
    assert all(s["configured"] for s in seasons)
    assert {s["season"]: s["theme"] for s in seasons}["autumn"] == "秋之实·职工读书季"
    activities = admin.get("/api/v1/activities", limit=500).json()
    assert activities["total"] == 4
    assert {a["county"] for a in activities["items"]} == {"甘州区", "临泽县"}
    lecture = [a for a in activities["items"] if a["category"] == "lecture"]
    assert lecture and all(a["lecturer_id"] for a in lecture)
    assert [a["status"] for a in activities["items"]] == ["approved"] * 4

    again = DemoGateway(admin)
    module.load(again, context)
    assert again.created == 0
    assert admin.get("/api/v1/lecturers").json()["total"] == 30
    assert admin.get("/api/v1/activities").json()["total"] == 4
