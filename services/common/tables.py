"""The messaging tables every service keeps in its own database."""
from dataclasses import dataclass

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    dead_letters: Table


def messaging_tables(metadata):
    outbox = Table(
        "outbox", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(64), nullable=False),
        Column("body", Text, nullable=False),          # the envelope as JSON
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("sent_at", DateTime(timezone=True), nullable=True),
        # PostgreSQL: the relay replica that claimed the row holds it until then
        Column("claimed_until", DateTime(timezone=True), nullable=True),
        Index("ix_outbox_pending", "sent_at", "id"),
    )
    inbox = Table(
        "inbox", metadata,
        Column("consumer", String(128), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    dead_letters = Table(
        "dead_letters", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("queue", String(200), nullable=False),
        Column("event_id", String(64), nullable=True),
        Column("event_type", String(64), nullable=True),
        Column("body", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("redriven_at", DateTime(timezone=True), nullable=True),
    )
    return MessagingTables(outbox, inbox, dead_letters)
