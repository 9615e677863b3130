from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.tables import messaging_tables


class Base(DeclarativeBase):
    pass


MESSAGING = messaging_tables(Base.metadata)


class Notification(Base):
    """One per (event, audience): a duplicate event delivers nothing twice."""
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    audience_kind: Mapped[str] = mapped_column(String(32))
    audience_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))   # zh-CN, as rendered when it arrived
    body: Mapped[str] = mapped_column(Text)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    # the event's facts (JSON), so a reader who chose English gets it in English
    data: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        UniqueConstraint("event_id", "audience_kind", "audience_key"),
        Index("ix_notifications_audience", "audience_kind", "audience_key", "id"),
    )


class ReadMark(Base):
    __tablename__ = "read_marks"
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    read_at = mapped_column(DateTime(timezone=True), nullable=False)


class Recipient(Base):
    """A signed-in user as the gateway last described them, with their address and language."""
    __tablename__ = "recipients"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    union_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    county: Mapped[str | None] = mapped_column(String(64), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (Index("ix_recipients_role", "role", "union_id", "county"),)


class Preference(Base):
    """A user's choice of one channel for one event type; no row means on."""
    __tablename__ = "preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("recipients.user_id"), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    event_types: Mapped[str] = mapped_column(Text)      # JSON list
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    disabled_at = mapped_column(DateTime(timezone=True), nullable=True)
    last_success_at = mapped_column(DateTime(timezone=True), nullable=True)
    last_failure_at = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)


class Delivery(Base):
    """One message to one recipient on one channel (email, webhook) for one event.

    Written in the event handler's transaction; sent by the delivery worker outside any
    transaction; idempotent per (event, recipient, channel).
    """
    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))           # email | webhook
    recipient: Mapped[str] = mapped_column(String(64))         # user:<id> | webhook:<id>
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id"), nullable=True)
    target: Mapped[str] = mapped_column(String(2000))          # address or URL
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    subject: Mapped[str | None] = mapped_column(String(300), nullable=True)
    payload: Mapped[str] = mapped_column(Text)                 # mail body or JSON body
    status: Mapped[str] = mapped_column(String(16))            # pending|sending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(DateTime(timezone=True), nullable=False)
    lease_until = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    correlation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)
    delivered_at = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (
        UniqueConstraint("event_id", "recipient", "channel", name="uq_delivery_once"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_subscription", "subscription_id", "id"),
    )


class DeliveryAttempt(Base):
    """The delivery log: every try, with what came back."""
    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at = mapped_column(DateTime(timezone=True), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16))           # delivered | error
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)


class Reminder(Base):
    """A reminder someone sent to unions (the coverage heatmap): its notifications carry
    its event_id; a client's Idempotency-Key (request_key) finds it again on a retry."""
    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(64))              # words.NOTICE_TYPES
    county: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    union_ids: Mapped[str] = mapped_column(Text)               # JSON list, as sent
    sent: Mapped[int] = mapped_column(Integer)
    sent_by: Mapped[str] = mapped_column(String(64))
    request_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_at = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (
        Index("uq_reminders_sender_request_key", "sent_by", "request_key", unique=True),
        Index("ix_reminders_county_month", "county", "year", "month"),
    )


class DigestDay(Base):
    """A day of finance's digest (services/notify/digest.py): its row is locked while a
    decision is folded into the day and while the digest is sent, so that a decision lands
    in a digest not sent yet (the next day's when this one has gone) and the digest is
    sent once, whatever the replicas, restarts and repeated calls."""
    __tablename__ = "digest_days"
    day = mapped_column(Date, primary_key=True)
    sent_at = mapped_column(DateTime(timezone=True), nullable=True)
    sent_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # or "timer"
    # the notice's own id: its notifications and deliveries carry it
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True)
    facts: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON, as sent


class DigestFigure(Base):
    """The decisions of a digest's day in one county, for activities or venues: folded in
    by the decision's event handler, in the unit of work that claims the event."""
    __tablename__ = "digest_figures"
    day = mapped_column(Date, ForeignKey("digest_days.day"), primary_key=True)
    county: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), primary_key=True)  # activity | venue
    granted_count: Mapped[int] = mapped_column(Integer, default=0)
    granted_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    declined_count: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_count: Mapped[int] = mapped_column(Integer, default=0)  # grants withdrawn
