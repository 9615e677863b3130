"""The preferences entrypoints in-process: the caller's address, language and channels
(rows in recipients and preferences) and the template catalogue."""
import pytest

from services.common.errors import Invalid
from services.notify import contract
from services.notify.service import Service
from tests.service.test_notify_handlers import UNION_ADMIN
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("notify", tmp_path)
    yield tier
    tier.close()


def test_everything_is_on_until_the_caller_turns_it_off(tier):
    answer = tier.worker(Service).get_preferences(UNION_ADMIN)
    assert answer["email"] is None and answer["language"] == "zh-CN"
    # every event type, and finance's digest (its email can be chosen too)
    assert set(answer["channels"]) == set(contract.EVENT_TYPES) | {"finance_digest"}
    assert answer["channels"]["finance_digest"] == {"in_app": True, "email": True,
                                                    "critical": False}
    assert answer["channels"]["activity_approved"] == {"in_app": True, "email": True,
                                                       "critical": False}
    assert answer["channels"]["subsidy_declined"]["critical"] is True
    assert tier.count("recipients", "user_id = 3") == 1 and tier.count("preferences") == 0


def test_setting_preferences_stores_them_and_answers_the_whole_state(tier):
    service = tier.worker(Service)
    answer = service.set_preferences(UNION_ADMIN, {
        "email": "admin7@example.org", "language": "en",
        "channels": {"activity_approved": {"email": False, "in_app": False},
                     "subsidy_granted": {"in_app": False}}})
    assert answer["email"] == "admin7@example.org" and answer["language"] == "en"
    assert answer["channels"]["activity_approved"] == {"in_app": False, "email": False,
                                                       "critical": False}
    # a subsidy decision always reaches the inbox, whatever was chosen
    assert answer["channels"]["subsidy_granted"]["in_app"] is True
    assert tier.count("preferences", "user_id = 3") == 3
    assert tier.count("recipients", "user_id = 3 AND email = 'admin7@example.org' AND "
                      "language = 'en'") == 1
    again = service.set_preferences(UNION_ADMIN, {"email": None, "channels": {
        "activity_approved": {"email": True}}})
    assert again["email"] is None and again["channels"]["activity_approved"]["email"] is True
    assert tier.count("preferences", "user_id = 3") == 3  # changed in place
    assert service.get_preferences(UNION_ADMIN) == again


def test_bad_preferences_are_refused_and_change_nothing(tier):
    service = tier.worker(Service)
    for bad in ({"language": "fr"}, {"email": "not-an-address"},
                {"channels": {"nope": {"email": False}}}, {"colour": "red"}):
        with pytest.raises(Invalid):
            service.set_preferences(UNION_ADMIN, bad)
    assert tier.count("recipients") == 0 and tier.count("preferences") == 0


def test_the_templates_cover_every_event_type_in_both_languages(tier):
    answer = tier.worker(Service).templates()
    assert answer["total"] == len(contract.EVENT_TYPES) * len(contract.LANGUAGES)
    assert len(answer["items"]) == answer["total"]
    granted = [item for item in answer["items"] if item["event_type"] == "subsidy_granted"]
    assert {item["language"] for item in granted} == {"zh-CN", "en"}
    assert all(item["critical"] for item in granted)
    assert granted[0]["audiences"] == ["union_admins"]  # finance: in the daily digest
    returned = [item for item in answer["items"] if item["event_type"] == "payment_returned"]
    assert {item["title"] for item in returned} == {"拨付款被银行退回",
                                                    "Payment returned by the bank"}
