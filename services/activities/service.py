"""The activities service: its name, its dependencies and its entrypoints, one mixin per
sub-domain (services/activities/entrypoints/)."""
from services.activities import events as _events  # noqa: F401  registers this service's events
from services.activities.entrypoints.evidence import EvidenceEntrypoints
from services.activities.entrypoints.lecturers import LecturerEntrypoints
from services.activities.entrypoints.reports import ReportEntrypoints
from services.activities.entrypoints.review import ReviewEntrypoints
from services.activities.entrypoints.seasons import SeasonEntrypoints
from services.activities.entrypoints.statistics import StatisticsEntrypoints
from services.activities.entrypoints.unions import UnionEntrypoints
from services.activities.models import MESSAGING
from services.common.dependencies import Blobs, Config, Database, EntrypointMetrics
from services.common.ops import OpsEndpoints


class Service(UnionEntrypoints, ReportEntrypoints, ReviewEntrypoints, LecturerEntrypoints,
              SeasonEntrypoints, StatisticsEntrypoints, EvidenceEntrypoints, OpsEndpoints):
    name = "activities"
    db = Database(MESSAGING)
    config = Config()
    blobs = Blobs()  # evidence files' bytes
    measured = EntrypointMetrics()
