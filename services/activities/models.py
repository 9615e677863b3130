from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer,
                        String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.tables import messaging_tables


class Base(DeclarativeBase):
    pass


MESSAGING = messaging_tables(Base.metadata)


class Union(Base):
    __tablename__ = "unions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    county: Mapped[str] = mapped_column(String(64), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unions.id"))
    members: Mapped[int] = mapped_column(Integer)
    contacts: Mapped[list] = mapped_column(JSON, default=list)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)


class Activity(Base):
    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int] = mapped_column(ForeignKey("unions.id"), index=True)
    county: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    held_on = mapped_column(Date, nullable=False)
    year: Mapped[int] = mapped_column(Integer)
    season: Mapped[str] = mapped_column(String(8))
    participants: Mapped[int] = mapped_column(Integer)
    expenses_fen: Mapped[int] = mapped_column(BigInteger)
    evidence: Mapped[list] = mapped_column(JSON)
    venue_id: Mapped[int | None] = mapped_column(Integer)
    lecturer_id: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    reported_by: Mapped[str] = mapped_column(String(100))
    # the reporter's Idempotency-Key and a fingerprint of the report's body (sha256 hex)
    request_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("ix_activities_county_status", "county", "status", "id"),
        # lists count their matches: these let the common filters count from the index
        Index("ix_activities_county_season_status", "county", "season", "status"),
        Index("ix_activities_status_season", "status", "season"),
        # a report's Idempotency-Key, so a retried report finds the first one; keys belong
        # to the caller: another user's same key is a report of its own
        Index("uq_activities_reporter_request_key", "reported_by", "request_key", unique=True),
        Index("ix_activities_year_season", "year", "season", "id"),
        Index("ix_activities_status", "status", "id"),
        Index("ix_activities_year_category", "year", "category", "lecturer_id"),
    )


class HistoryEntry(Base):
    """Append-only: rows are inserted, never updated or deleted."""
    __tablename__ = "activity_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    at = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)


class UnionChange(Base):
    """Append-only: a rename or move of a union, {field: [old, new]}; activities keep
    the union id, and their county as it was when they were reported."""
    __tablename__ = "union_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int] = mapped_column(ForeignKey("unions.id"), index=True)
    at = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(100))
    changes: Mapped[dict] = mapped_column(JSON)


class Lecturer(Base):
    """The lecture programme's pool (大思政课讲师库)."""
    __tablename__ = "lecturers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(String(100))
    organization: Mapped[str | None] = mapped_column(String(200))
    topics: Mapped[list] = mapped_column(JSON)
    county: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("name", "county", name="uq_lecturers_name_county"),)


class SeasonTheme(Base):
    """A year's theme of one season (四季歌), configured by the city."""
    __tablename__ = "season_themes"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    season: Mapped[str] = mapped_column(String(8))
    theme: Mapped[str] = mapped_column(String(100))
    categories: Mapped[list] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("year", "season", name="uq_season_themes_year_season"),)


class Feedback(Base):
    """A worker's score of an approved activity of the worker's union; one per worker and
    activity (a new one replaces it)."""
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    worker_id: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("activity_id", "worker_id",
                                       name="uq_feedback_activity_worker"),)


class EvidenceFile(Base):
    """An uploaded file (photo, sign-in sheet, receipt): its facts here, its bytes in the
    blob store (services.common.blobs) under stored_key, never on the broker.

    sha256 and size are the uploaded bytes'; stored_key names what is served (for a photo,
    a copy without location and device data, upright), thumbnail_key a small JPEG of a
    photo. A file belongs to at most one activity; one never attached, or detached by an
    edit, is removed after a day (evidence_keep_unattached_seconds)."""
    __tablename__ = "evidence_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(100), index=True)
    uploaded_at = mapped_column(DateTime(timezone=True), nullable=False)
    captured_on = mapped_column(Date, nullable=True)  # a photo's EXIF date, camera's clock
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    stored_key: Mapped[str] = mapped_column(String(200))
    stored_size: Mapped[int] = mapped_column(BigInteger)
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    detached_at = mapped_column(DateTime(timezone=True), nullable=True)
