"""Prometheus series shared by every process; names follow Prometheus conventions."""
from prometheus_client import Counter, Gauge, Histogram

# Buckets include the objectives: 50 ms list reads, 150 ms approve -> notification.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

ENTRYPOINT_CALLS = Counter(
    "cm_entrypoint_calls_total", "Entrypoint invocations by kind and outcome",
    ["service", "kind", "name", "outcome"])
ENTRYPOINT_LATENCY = Histogram(
    "cm_entrypoint_duration_seconds", "Entrypoint latency", ["service", "kind", "name"],
    buckets=LATENCY_BUCKETS)
HTTP_REQUESTS = Counter(
    "cm_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "cm_http_request_duration_seconds", "HTTP latency", ["method", "route"],
    buckets=LATENCY_BUCKETS)

EVENTS_PUBLISHED = Counter(
    "cm_events_published_total", "Events published from the outbox", ["producer", "event_type"])
OUTBOX_PENDING = Gauge("cm_outbox_pending", "Outbox rows not yet published", ["producer"])
OUTBOX_OLDEST_AGE = Gauge(
    "cm_outbox_oldest_pending_age_seconds", "Age of the oldest unpublished row", ["producer"])
OUTBOX_PUBLISH_FAILURES = Counter(
    "cm_outbox_publish_failures_total", "Relay passes that failed", ["producer"])
EVENTS_HANDLED = Counter(
    "cm_events_handled_total", "Events handled", ["service", "source", "event_type", "outcome"])
INBOX_DUPLICATES = Counter(
    "cm_inbox_duplicates_total", "Duplicate deliveries skipped by the inbox",
    ["service", "event_type"])
EVENT_RETRIES = Counter(
    "cm_event_retries_total", "Failed deliveries sent back for another attempt",
    ["service", "event_type"])
DEAD_LETTERS = Counter(
    "cm_dead_letters_total", "Deliveries parked as dead letters", ["service", "event_type"])
DEAD_LETTERS_OPEN = Gauge(
    "cm_dead_letters_open", "Dead letters not yet re-driven", ["service"])
