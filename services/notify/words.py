"""Notify's word lists, one definition each (the contract re-exports them, the domain uses
them). Pure: nothing imported."""

# the events someone hears of (each has audiences and templates in domain.py); the same
# list as the events notify subscribes to (events.CONSUMED)
EVENT_TYPES = (
    "activity_reported", "activity_approved", "activity_rejected", "activity_returned",
    "subsidy_granted", "subsidy_declined", "subsidy_paid", "fund_threshold_reached",
    "venue_evaluated", "venue_subsidy_decided", "venue_subsidy_paid", "payment_returned",
    "subsidy_reversed",
)
# notices a person sends (not events): in-app only, to the audiences the sender names. No
# broker queue, no webhook, no email and no preference (the choices list EVENT_TYPES only).
# Their words are in domain.NOTICE_TEMPLATES; the inbox filters by either kind.
NOTICE_TYPES = ("coverage_reminder",)
# digests notify itself sends on a timer (services/notify/digest.py): in-app to their
# audience and by email to those who chose it (a preference like an event type's); no
# broker queue and no webhook. Finance's daily digest of the day's subsidy decisions
# replaces one notice per grant and decline.
DIGEST_TYPES = ("finance_digest",)
INBOX_TYPES = EVENT_TYPES + NOTICE_TYPES + DIGEST_TYPES
CHOOSABLE_TYPES = EVENT_TYPES + DIGEST_TYPES  # those a user sets channels for
# Subsidy decisions, and money a union was paid coming back (the bank returned it, or the
# subsidy was reversed), always reach the in-app inbox, whatever the user opted out of.
CRITICAL = frozenset({"subsidy_granted", "subsidy_declined", "venue_subsidy_decided",
                      "payment_returned", "subsidy_reversed"})

LANGUAGES = ("zh-CN", "en")
LANGUAGE_NAMES = {"zh-CN": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "zh-CN"

CHANNELS = ("in_app", "email", "webhook")
CHANNEL_NAMES = {"in_app": "站内通知", "email": "电子邮件", "webhook": "Webhook"}
USER_CHANNELS = ("in_app", "email")  # the ones a user chooses per event type
DELIVERY_CHANNELS = ("email", "webhook")  # the ones the delivery worker sends

DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")
DELIVERY_STATUS_NAMES = {"pending": "待发送", "sending": "发送中", "delivered": "已送达",
                         "failed": "发送失败"}

# the roles of the identity the gateway passes (gateway/policy.identity)
ROLES = ("city_admin", "county_reviewer", "union_admin", "finance", "worker", "ops")
