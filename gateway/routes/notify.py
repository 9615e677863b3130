"""The caller's inbox."""
from gateway import policy, schemas as s
from gateway.api import route


class NotificationRoutes:
    # notifications ---------------------------------------------------------------------
    @route("GET", "/api/v1/notifications", query=s.InboxQuery(),
           summary="The caller's own inbox, newest first")
    def inbox(self, call):
        return self._rpc("notify", "inbox", policy.identity(call.user), call.query["limit"],
                         call.query["offset"], call.query["unread"])

    @route("POST", "/api/v1/notifications/read", body=s.MarkRead(),
           summary="Mark the given (or all) notifications read")
    def mark_read(self, call):
        return self._rpc("notify", "mark_read", policy.identity(call.user), call.body["ids"])
