"""JSON lines on stdout: time, level, service, message, and ids where there are some."""
import json
import logging
import sys

from services.common.clock import iso, utcnow

CONTEXT_FIELDS = ("correlation_id", "event_id")


class JsonLines(logging.Formatter):
    def __init__(self, service):
        super().__init__()
        self.service = service

    def format(self, record):
        line = {"time": iso(utcnow()), "level": record.levelname.lower(),
                "service": self.service, "logger": record.name,
                "message": record.getMessage()}
        for name in CONTEXT_FIELDS:
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
