from sqlalchemy import Date, DateTime, Float, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column

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
    activities_held = column_property(
        select(func.count(VenueActivity.id)).where(VenueActivity.venue_id == id)
        .correlate_except(VenueActivity).scalar_subquery())
