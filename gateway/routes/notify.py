"""The caller's inbox and notification preferences; webhooks and deliveries for ops."""
from gateway import policy
from gateway.api import route
from gateway.errors import forbidden, invalid
from gateway.routes.common import split_paging
from gateway.schemas import paged
from services.common.errors import NotFound
from services.common.paging import MAX_LIMIT
from services.notify import contract as nc

OPS = ["ops", "city_admin"]
REMINDERS = list(policy.REVIEWERS)  # the city anywhere, a county reviewer in its county


class NotificationRoutes:
    # the inbox -------------------------------------------------------------------------
    @route("GET", "/api/v1/notifications", query=paged(nc.InboxFilter)(),
           response=nc.InboxOut,
           summary="The caller's own inbox, newest first (in the caller's language)")
    def inbox(self, call):
        filters = {"event_type": call.query["event_type"]} if call.query.get("event_type") else {}
        return self._rpc("notify", "inbox", policy.identity(call.user), call.query["limit"],
                         call.query["offset"], call.query["unread"], filters)

    @route("GET", "/api/v1/notifications/unread-count", response=nc.UnreadOut,
           summary="How many of the caller's notifications are unread")
    def unread_count(self, call):
        return self._rpc("notify", "unread_count", policy.identity(call.user))

    @route("POST", "/api/v1/notifications/read", body=nc.MarkReadIn(), response=nc.MarkedOut,
           summary="Mark the given (or, without ids, all) notifications read")
    def mark_read(self, call):
        return self._rpc("notify", "mark_read", policy.identity(call.user), call.body["ids"])

    @route("POST", "/api/v1/notifications/read-all", response=nc.MarkedOut,
           summary="Mark every notification in the caller's inbox read")
    def mark_all_read(self, call):
        return self._rpc("notify", "mark_read", policy.identity(call.user), None)

    @route("POST", "/api/v1/notifications/<int:notification_id>/read", response=nc.MarkedOut,
           summary="Mark one notification read; 404 unless it is in the caller's inbox")
    def mark_one_read(self, call, notification_id):
        return self._rpc("notify", "mark_one_read", policy.identity(call.user), notification_id)

    # preferences -----------------------------------------------------------------------
    @route("GET", "/api/v1/notifications/preferences", response=nc.PreferencesOut,
           summary="The caller's email address, language and channels per event type")
    def get_notification_preferences(self, call):
        return self._rpc("notify", "get_preferences", policy.identity(call.user))

    @route("PUT", "/api/v1/notifications/preferences", body=nc.PreferencesIn(),
           response=nc.PreferencesOut,
           summary="Set the caller's email address, language (zh-CN or en) and channels per "
                   "event type; subsidy decisions always reach the in-app inbox")
    def set_notification_preferences(self, call):
        return self._rpc("notify", "set_preferences", policy.identity(call.user), call.json)

    @route("GET", "/api/v1/notifications/templates", roles=OPS, response=nc.TemplateList,
           summary="The notification templates of every event type, in zh-CN and English")
    def notification_templates(self, call):
        return self._rpc("notify", "templates")

    # reminders -------------------------------------------------------------------------
    @route("POST", "/api/v1/reminders", roles=REMINDERS, body=nc.ReminderIn(), creates=True,
           status=201, response=nc.ReminderOut,
           summary="Remind the admins of a county's grassroots unions that reported no activity "
                   "in a month (an in-app notice each); a county reviewer only in its county; "
                   "422 names unknown unions or those not the county's grassroots unions")
    def send_reminder(self, call):
        body = call.body
        if call.user.role == "county_reviewer" and body["county"] != call.user.county:
            raise forbidden("a county reviewer reminds only its own county's unions")
        if body["county"] not in self.config.counties:
            raise invalid({"county": ["one of %s" % ", ".join(self.config.counties)]},
                          "unknown county")
        self._check_reminded(call.user, body["county"], body["union_ids"])
        return self._rpc("notify", "send_reminder", call.json, call.user.username,
                         call.idempotency_key)

    def _check_reminded(self, user, county, union_ids):
        """Every union is a grassroots union of the county (activities' directory): one page
        of the county's grassroots unions usually finds them all. For a county reviewer
        those it does not find are looked up: another county's union is a 403."""
        wanted, found, offset = set(union_ids), set(), 0
        while found != wanted:
            page = self._rpc("activities", "list_unions",
                             {"county": county, "level": "grassroots"}, MAX_LIMIT, offset)
            found |= wanted & {union["id"] for union in page["items"]}
            offset += MAX_LIMIT
            if offset >= page["total"]:
                break
        missing = sorted(wanted - found)
        if user.role == "county_reviewer":
            for union_id in missing:
                try:
                    union = self._rpc("activities", "get_union", union_id)
                except NotFound:
                    continue
                if union["county"] != county:
                    raise forbidden("a county reviewer reminds only its own county's unions")
        if missing:  # unknown ids, or not this county's grassroots unions
            raise invalid({"union_ids": ["no grassroots union of %s has these ids: %s" % (
                county, ", ".join(str(union_id) for union_id in missing))]})

    # deliveries (ops) --------------------------------------------------------------------
    @route("GET", "/api/v1/notifications/deliveries", roles=OPS,
           query=paged(nc.DeliveryFilter)(),
           response=nc.DeliveryList,
           summary="Email and webhook deliveries with their tries, newest first")
    def list_deliveries(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("notify", "list_deliveries", filters, limit, offset)

    @route("POST", "/api/v1/notifications/deliveries/<int:delivery_id>/redeliver", roles=OPS,
           response=nc.DeliveryOut,
           summary="Send a failed delivery again; 409 unless it failed")
    def redeliver(self, call, delivery_id):
        return self._rpc("notify", "redeliver", delivery_id)

    # webhooks (ops) ----------------------------------------------------------------------
    @route("POST", "/api/v1/webhooks", roles=OPS, body=nc.WebhookCreate(), creates=True,
           status=201, response=nc.WebhookOut,
           summary="Subscribe a URL to event types; each POST is signed with the secret")
    def create_webhook(self, call):
        return self._rpc("notify", "create_webhook", call.json, call.user.username)

    @route("GET", "/api/v1/webhooks", roles=OPS, query=paged(nc.WebhookFilter)(),
           response=nc.WebhookList, summary="Webhook subscriptions")
    def list_webhooks(self, call):
        return self._rpc("notify", "list_webhooks", call.query["limit"], call.query["offset"])

    @route("GET", "/api/v1/webhooks/<int:webhook_id>", roles=OPS, response=nc.WebhookOut,
           summary="A webhook subscription")
    def get_webhook(self, call, webhook_id):
        return self._rpc("notify", "get_webhook", webhook_id)

    @route("PATCH", "/api/v1/webhooks/<int:webhook_id>", roles=OPS, body=nc.WebhookUpdate(),
           response=nc.WebhookOut,
           summary="Change a subscription's name, URL, secret or event types")
    def update_webhook(self, call, webhook_id):
        return self._rpc("notify", "update_webhook", webhook_id, call.json)

    @route("POST", "/api/v1/webhooks/<int:webhook_id>/enable", roles=OPS,
           response=nc.WebhookOut,
           summary="Enable a subscription again (e.g. after its receiver recovered)")
    def enable_webhook(self, call, webhook_id):
        return self._rpc("notify", "enable_webhook", webhook_id)

    @route("POST", "/api/v1/webhooks/<int:webhook_id>/disable", roles=OPS,
           response=nc.WebhookOut,
           summary="Disable a subscription; its waiting deliveries are recorded as failed")
    def disable_webhook(self, call, webhook_id):
        return self._rpc("notify", "disable_webhook", webhook_id, call.user.username)

    @route("GET", "/api/v1/webhooks/<int:webhook_id>/deliveries", roles=OPS,
           query=paged(nc.DeliveryFilter)(), response=nc.DeliveryList,
           summary="The delivery log of a subscription: each delivery with its tries")
    def webhook_deliveries(self, call, webhook_id):
        filters, limit, offset = split_paging(call.query)
        filters.pop("channel", None)
        return self._rpc("notify", "webhook_deliveries", webhook_id, filters, limit, offset)

    @route("POST", "/api/v1/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver",
           roles=OPS, response=nc.DeliveryOut,
           summary="Send a failed delivery of this subscription again")
    def redeliver_webhook(self, call, webhook_id, delivery_id):
        return self._rpc("notify", "redeliver", delivery_id, webhook_id)
