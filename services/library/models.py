from sqlalchemy import (JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, func, select, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

from services.common.tables import messaging_tables


class Base(DeclarativeBase):
    pass


MESSAGING = messaging_tables(Base.metadata)


class VenueActivity(Base):
    """Approved activities held at a venue, counted toward its activities score."""
    __tablename__ = "venue_activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(Integer, index=True)
    activity_id: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(16))
    held_on = mapped_column(Date, nullable=False)
    participants: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("activity_id"),)


class Venue(Base):
    __tablename__ = "venues"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str] = mapped_column(String(64), index=True)
    host_union_id: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    floor_area_m2: Mapped[int] = mapped_column(Integer, default=0)
    seats: Mapped[int] = mapped_column(Integer, default=0)
    opening_hours: Mapped[str | None] = mapped_column(String(100))
    e_reading_devices: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at = mapped_column(DateTime(timezone=True), nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(String(500))
    activities_held = column_property(
        select(func.count(VenueActivity.id)).where(VenueActivity.venue_id == id)
        .correlate_except(VenueActivity).scalar_subquery())


class VenueChange(Base):
    """Append-only history of a venue: registered, changed, closed, reopened."""
    __tablename__ = "venue_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    at = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict] = mapped_column(JSON)   # field -> [before, after]
    comment: Mapped[str | None] = mapped_column(Text)


class Book(Base):
    """A title of the catalogue, by its ISBN-13."""
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    author: Mapped[str | None] = mapped_column(String(200))
    publisher: Mapped[str | None] = mapped_column(String(200))
    published_year: Mapped[int | None] = mapped_column(Integer)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)


class Copy(Base):
    """One physical copy of a book, at one venue at a time."""
    __tablename__ = "copies"
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    barcode: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="available")
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    book = relationship(Book, lazy="joined")


class CopyMove(Base):
    """Append-only: a copy went from one venue to another."""
    __tablename__ = "copy_moves"
    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("copies.id"), index=True)
    from_venue_id: Mapped[int] = mapped_column(Integer)
    to_venue_id: Mapped[int] = mapped_column(Integer)
    at = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(500))


class Loan(Base):
    """A copy lent to a reader; at most one open loan per copy (partial unique index)."""
    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("copies.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)  # lent here
    county: Mapped[str] = mapped_column(String(64))
    host_union_id: Mapped[int | None] = mapped_column(Integer)
    borrower_id: Mapped[int] = mapped_column(Integer, index=True)  # the gateway user
    borrower_username: Mapped[str] = mapped_column(String(64))
    borrowed_at = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    borrowed_on = mapped_column(Date, nullable=False)              # local date
    due_on = mapped_column(Date, nullable=False)
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    returned_at = mapped_column(DateTime(timezone=True), nullable=True)
    returned_venue_id: Mapped[int | None] = mapped_column(Integer)
    lent_by: Mapped[str] = mapped_column(String(100))
    returned_by: Mapped[str | None] = mapped_column(String(100))
    copy = relationship(Copy, lazy="joined")
    book = relationship(Book, lazy="joined")
    venue = relationship(Venue, lazy="joined")
    __table_args__ = (
        Index("uq_loans_open_copy", "copy_id", unique=True,
              sqlite_where=text("returned_at IS NULL"),
              postgresql_where=text("returned_at IS NULL")),
        Index("ix_loans_open_due", "returned_at", "due_on"),
    )


class EvaluationScheme(Base):
    """Versions of the four-goods scheme (criteria maxima, activity credit, rating bands).

    Version 1 is the built-in default (domain.DEFAULT_SCHEME) and is not stored.
    """
    __tablename__ = "evaluation_schemes"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    document: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at = mapped_column(DateTime(timezone=True), nullable=False)


class Evaluation(Base):
    """A four-goods evaluation of a venue for a period; one per venue and period, kept."""
    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    period_start = mapped_column(Date, nullable=False)
    period_end = mapped_column(Date, nullable=False)
    scores: Mapped[dict] = mapped_column(JSON)        # the evaluator's points
    criteria: Mapped[list] = mapped_column(JSON)      # [{key, name, score, max}]
    activities_counted: Mapped[int] = mapped_column(Integer)
    activity_credit: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    max_total: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str] = mapped_column(String(16), index=True)
    scheme_version: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[list] = mapped_column(JSON)
    evaluator: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    evaluated_at = mapped_column(DateTime(timezone=True), nullable=False)
    venue = relationship(Venue, lazy="joined")
    __table_args__ = (UniqueConstraint("venue_id", "period", name="uq_evaluations_venue_period"),)
