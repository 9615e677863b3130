"""JSON lines on stdout: time, level, service, message, and the ids of the work in hand.

The correlation id (the X-Request-ID of the HTTP request that started the work) and the
event id ride in a context variable set per worker; greenlets each have their own
context, so concurrent workers never see each other's ids.
"""
import contextvars
import json
import logging
import sys

from services.common.clock import iso, utcnow

CURRENT = contextvars.ContextVar("cm_log_context", default={})


def bind(**fields):
    """Attach ids to every log line of the current worker (greenlet)."""
    CURRENT.set({key: value for key, value in fields.items() if value})


class JsonLines(logging.Formatter):
    def __init__(self, service):
        super().__init__()
        self.service = service

    def format(self, record):
        line = {"time": iso(utcnow()), "level": record.levelname.lower(),
                "service": self.service, "logger": record.name,
                "message": record.getMessage()}
        line.update(CURRENT.get())
        for name in ("correlation_id", "event_id"):
            value = getattr(record, name, None)
            if value:
                line[name] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(service, level="INFO"):
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLines(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
