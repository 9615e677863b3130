"""Notify's contract: importable on its own, and its payloads as the gateway and the
service both load and dump them."""
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from marshmallow import ValidationError

from services.notify import contract, domain


def test_the_contract_imports_without_sqlalchemy_or_the_implementation():
    probe = ("import sys, services.notify.contract as c; "
             "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', "
             "'services.notify.models', 'services.notify.domain', 'services.notify.service', "
             "'nameko.rpc'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_word_lists_are_the_domains():
    assert contract.EVENT_TYPES is domain.EVENT_TYPES
    assert contract.LANGUAGES is domain.LANGUAGES and contract.CRITICAL is domain.CRITICAL
    assert set(contract.DELIVERY_STATUS_NAMES) == set(contract.DELIVERY_STATUSES)
    assert set(contract.CHANNEL_NAMES) == set(contract.CHANNELS)
    assert contract.NOTIFICATION_FAILED.event_type == "notification_failed"


def test_preferences_name_known_event_types_and_languages_only():
    loaded = contract.PreferencesIn().load({"language": "en", "channels": {
        "venue_subsidy_paid": {"email": False}}})
    assert loaded == {"language": "en", "channels": {"venue_subsidy_paid": {"email": False}}}
    with pytest.raises(ValidationError) as bad:
        contract.PreferencesIn().load({"language": "fr", "channels": {"nope": {}}})
    assert set(bad.value.messages) == {"language", "channels"}


def test_a_webhook_needs_a_long_secret_and_each_event_type_once():
    good = {"url": "https://example.org/hook", "secret": "s" * 16,
            "event_types": ["subsidy_granted"]}
    assert contract.WebhookCreate().load(good)["name"] is None
    with pytest.raises(ValidationError) as bad:
        contract.WebhookCreate().load(dict(good, secret="short"))
    assert set(bad.value.messages) == {"secret"}
    with pytest.raises(ValidationError) as bad:
        contract.WebhookCreate().load(dict(good, event_types=["subsidy_paid", "subsidy_paid"]))
    assert bad.value.messages == {"event_types": ["each event type once"]}
    with pytest.raises(ValidationError):
        contract.WebhookUpdate().load({"url": "ftp://example.org/"})


def test_delivery_filters_are_bounded():
    assert contract.DeliveryFilter().load({"status": "failed", "channel": "webhook"}) == {
        "status": "failed", "channel": "webhook"}
    for bad in ({"event_id": "x" * 65}, {"event_type": "nope"}, {"channel": "in_app"}):
        with pytest.raises(ValidationError):
            contract.DeliveryFilter().load(bad)


def test_mark_read_takes_whole_numbers_or_nothing():
    assert contract.MarkReadIn().load({}) == {"ids": None}
    assert contract.MarkReadIn().load({"ids": [1, 2]}) == {"ids": [1, 2]}
    with pytest.raises(ValidationError):
        contract.MarkReadIn().load({"ids": ["1"]})


def test_a_webhook_answer_shows_its_stored_event_types_as_a_list_and_never_its_secret():
    row = SimpleNamespace(id=1, name="n", url="https://example.org/hook", secret="s" * 16,
                          event_types=json.dumps(["subsidy_granted"]), enabled=True,
                          consecutive_failures=0, disabled_reason=None, disabled_at=None,
                          last_success_at=None, last_failure_at=None, created_by="ops",
                          created_at=None, updated_at=None)
    answer = contract.WebhookOut().dump(row)
    assert answer["event_types"] == ["subsidy_granted"] and "secret" not in answer


def test_a_bodys_boolean_is_a_json_boolean_not_0_or_yes():
    from marshmallow import ValidationError
    from services.notify.contract import ChannelChoice
    assert ChannelChoice().load({"email": False, "in_app": True}) == {"email": False,
                                                                        "in_app": True}
    for wrong in (0, 1, "true", "yes", None):
        with pytest.raises(ValidationError) as caught:
            ChannelChoice().load({"email": wrong})
        assert "email" in caught.value.messages
