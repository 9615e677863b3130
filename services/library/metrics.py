"""Business figures of the reading network."""
from prometheus_client import Counter, Gauge

LOANS = Counter("cm_loans_total", "Loans made at venues of the reading network", ["county"])
VENUES = Gauge("cm_venues", "Venues of the reading network", ["kind", "county", "status"])
EVALUATIONS = Counter("cm_venue_evaluations_total", "Four-goods evaluations recorded",
                      ["rating"])
