"""The reading network's demo data: the real shape, loaded through the gateway, twice."""
import importlib.util
import time
from pathlib import Path

from tests.support.system import ROOT


def demo_library():
    spec = importlib.util.spec_from_file_location("demo_library",
                                                  Path(ROOT) / "scripts" / "demo_library.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DemoGateway:
    """The interface of scripts/demo.py's Gateway over a test client."""

    def __init__(self, client):
        self.client = client
        self.posts = 0

    def get(self, path, **params):
        answer = self.client.get(path, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path, body, ok=(200, 201), tolerate=()):
        self.posts += 1
        answer = self.client.post(path, body)
        if answer.status_code in tolerate:
            return None
        assert answer.status_code in ok, (path, answer.status_code, answer.text)
        return answer.json()


def test_the_demo_network_has_the_real_shape_and_loads_once(world):
    admin = world.system.client()
    grassroots = [world.unions["power"], world.unions["school"]]
    module = demo_library()
    gateway = DemoGateway(admin)
    started = time.monotonic()
    added = module.load(gateway, {"unions": grassroots, "year": 2026})
    first_load = time.monotonic() - started
    assert added == 6 + 88 + len(module.OTHERS)
    assert first_load < 60, "the start command waits on this: %.1fs" % first_load

    summary = admin.get("/api/v1/venues/summary").json()
    kinds = {row["kind"]: row for row in summary["by_kind"]}
    assert kinds["culture_palace"]["venues"] == 5 and kinds["worker_club"]["venues"] == 1
    assert kinds["culture_palace"]["floor_area_m2"] + kinds["worker_club"]["floor_area_m2"] == 12000
    assert kinds["rest_station_corner"]["venues"] == 88
    corners = [c for c in summary["by_county_and_kind"] if c["kind"] == "rest_station_corner"]
    assert len(corners) == 6
    for kind in ("book_house", "model_worker_bookshelf", "craftsman_study",
                 "shared_book_house", "worker_home"):
        assert kinds[kind]["venues"] >= 1, kind
    palace = admin.get("/api/v1/venues", kind="culture_palace", county="甘州区").json()["items"][0]
    holdings = admin.get("/api/v1/venues/%d/holdings" % palace["id"]).json()
    assert holdings["total"] == len(module.BOOKS)
    assert {b["copies"] for b in holdings["items"]} == {3}

    venues_before = admin.get("/api/v1/venues", limit=1).json()["total"]
    copies_before = admin.get("/api/v1/copies", limit=1).json()["total"]
    assert module.load(DemoGateway(admin), {"unions": grassroots, "year": 2026}) == 0
    assert admin.get("/api/v1/venues", limit=1).json()["total"] == venues_before
    assert admin.get("/api/v1/copies", limit=1).json()["total"] == copies_before
