"""The caller's email address, language and channels per event type; the templates."""
from services.common.clock import utcnow
from services.common.errors import expected_rpc
from services.common.schema import load
from services.notify import domain, queries
from services.notify.contract import Identity, PreferencesIn
from services.notify.models import Preference, Recipient

rpc = expected_rpc()


class PreferenceEntrypoints:
    @rpc
    def get_preferences(self, identity):
        identity = load(Identity(), identity)
        queries.sync_recipient(self.db, identity)
        with self.db.session() as session:
            return _preferences_view(session.get(Recipient, identity["user_id"]),
                                     queries.preferences_of(session, identity["user_id"]))

    @rpc
    def set_preferences(self, identity, payload):
        identity = load(Identity(), identity)
        data = load(PreferencesIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            queries.sync_recipient(self.db, identity, session)
            session.flush()
            recipient = session.get(Recipient, identity["user_id"])
            if "email" in data:
                recipient.email = data["email"]
            if "language" in data:
                recipient.language = data["language"]
            recipient.updated_at = utcnow()
            for event_type, choice in (data.get("channels") or {}).items():
                for channel, enabled in choice.items():
                    row = session.get(Preference, (identity["user_id"], event_type, channel))
                    if row is None:
                        session.add(Preference(user_id=identity["user_id"],
                                               event_type=event_type, channel=channel,
                                               enabled=enabled))
                    else:
                        row.enabled = enabled
            session.flush()
            answer = _preferences_view(recipient,
                                       queries.preferences_of(session, identity["user_id"]))
        return answer

    @rpc
    def templates(self):
        items = domain.template_catalogue()
        return {"items": items, "total": len(items)}


def _preferences_view(recipient, preferences):
    channels = {}
    for event_type in domain.CHOOSABLE_TYPES:
        channels[event_type] = {
            channel: domain.channel_enabled(event_type, channel, preferences)
            for channel in domain.USER_CHANNELS}
        channels[event_type]["critical"] = event_type in domain.CRITICAL
    return {"email": recipient.email if recipient else None,
            "language": (recipient.language if recipient else None) or domain.DEFAULT_LANGUAGE,
            "channels": channels}
