"""The activities service's unions entrypoints in-process, against its own migrated
SQLite database: the three tiers, renames and moves with their history, lists."""
import pytest

from services.activities.service import Service
from services.common.errors import Conflict, Invalid, NotFound
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("activities", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def service(tier):
    return tier.worker(Service)


def federation(service):
    city = service.create_union({"name": "张掖市总工会", "level": "city", "county": "张掖市",
                                 "members": 100}, "admin")
    county = service.create_union({"name": "甘州区总工会", "level": "county", "county": "甘州区",
                                   "parent_id": city["id"], "members": 500}, "admin")
    other = service.create_union({"name": "临泽县总工会", "level": "county", "county": "临泽县",
                                  "parent_id": city["id"], "members": 300}, "admin")
    shop = service.create_union({"name": "某厂工会", "level": "grassroots", "county": "甘州区",
                                 "parent_id": county["id"], "members": 50,
                                 "contacts": [{"name": "王芳", "phone": "139"}]}, "admin")
    return city, county, other, shop


def test_a_union_is_stored_and_answered_as_the_contract_says(tier, service):
    city, county, _, shop = federation(service)
    assert shop["level"] == "grassroots" and shop["parent_id"] == county["id"]
    assert shop["contacts"] == [{"name": "王芳", "phone": "139", "role": None}]
    assert shop["created_at"].endswith("Z")
    assert service.get_union(shop["id"]) == shop
    assert tier.count("unions") == 4
    assert tier.outbox() == []  # the directory publishes no events


def test_the_three_tiers_and_unique_names_are_enforced(tier, service):
    city, county, _, _ = federation(service)
    with pytest.raises(Invalid) as bad:
        service.create_union({"name": "乙厂工会", "level": "grassroots", "county": "甘州区",
                              "parent_id": city["id"], "members": 5})
    assert "parent_id" in bad.value.details
    with pytest.raises(Invalid) as bad:
        service.create_union({"name": "乙厂工会", "level": "grassroots", "county": "临泽县",
                              "parent_id": county["id"], "members": 5})
    assert "county" in bad.value.details
    with pytest.raises(Conflict):
        service.create_union({"name": "甘州区总工会", "level": "county", "county": "甘州区",
                              "parent_id": city["id"], "members": 1})
    with pytest.raises(Invalid) as bad:
        service.create_union({"name": "丙", "level": "county", "county": "甘州区",
                              "members": 1, "extra": 1})
    assert "extra" in bad.value.details
    assert tier.count("unions") == 4  # nothing of the refused ones was stored


def test_a_move_takes_the_new_county_and_is_in_the_history(tier, service):
    _, county, other, shop = federation(service)
    moved = service.update_union(shop["id"], {"parent_id": other["id"], "name": "某厂新工会"},
                                 "admin")
    assert moved["county"] == "临泽县" and moved["parent_id"] == other["id"]
    assert moved["id"] == shop["id"]
    (change,) = service.union_history(shop["id"])
    assert change["actor"] == "admin"
    assert change["changes"] == {"county": ["甘州区", "临泽县"],
                                 "name": ["某厂工会", "某厂新工会"],
                                 "parent_id": [county["id"], other["id"]]}
    assert tier.count("union_changes") == 1


def test_a_county_with_unions_under_it_keeps_its_county(tier, service):
    _, county, _, _ = federation(service)
    with pytest.raises(Conflict):
        service.update_union(county["id"], {"county": "新区"}, "admin")
    with pytest.raises(Invalid):
        service.update_union(county["id"], {}, "admin")
    with pytest.raises(Invalid):
        service.update_union(county["id"], {"parent_id": county["id"]}, "admin")
    assert service.get_union(county["id"])["county"] == "甘州区"
    assert tier.count("union_changes") == 0


def test_lists_filter_and_page(service):
    city, county, other, shop = federation(service)
    page = service.list_unions({"level": "county"}, 1, 0)
    assert page["total"] == 2 and [u["id"] for u in page["items"]] == [county["id"]]
    assert service.list_unions({"q": "厂"})["items"] == [shop]
    assert service.list_unions({"parent_id": city["id"]}, 50, 1)["items"][0]["id"] == other["id"]
    with pytest.raises(Invalid):
        service.list_unions({"level": "province"})
    with pytest.raises(NotFound):
        service.get_union(999)
