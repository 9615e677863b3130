from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(32))
    county: Mapped[str | None] = mapped_column(String(64))
    union_id: Mapped[int | None] = mapped_column(Integer)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    # tokens issued before this moment stop working (password changed, role changed)
    credentials_changed_at = mapped_column(DateTime(timezone=True), nullable=True)
    # our tokens carry it ("ver"); a password change, a disable or a change of role or
    # scope adds one, so older tokens stop working at once, even in the same second
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SignInThrottle(Base):
    """Failed sign-ins per username (known or not), for gateway.throttle; times in epoch
    seconds."""
    __tablename__ = "sign_in_throttle"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)  # claimed or failed in this window
    window_started: Mapped[float] = mapped_column(Float)
    locked_until: Mapped[float | None] = mapped_column(Float)
    lockouts: Mapped[int] = mapped_column(Integer)  # locks in the remembered past
    last_lockout: Mapped[float | None] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float, index=True)


class IdempotentResponse(Base):
    """The first answer to a creating POST, replayed for a repeat with the same key."""
    __tablename__ = "idempotency_keys"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    route: Mapped[str] = mapped_column(String(200))
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)       # None while in flight
    response: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)


class AuditEntry(Base):
    """Who did what to which object: every state-changing request that succeeded."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    request_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(500))
    object_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    client_address: Mapped[str | None] = mapped_column(String(64))  # failed sign-ins
