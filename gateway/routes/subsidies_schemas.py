"""What is the gateway's own in subsidies' HTTP: the dry run by activity_id (the gateway
looks the activity's facts up) and the export's format. Everything else is the service's
contract (services.subsidies.contract)."""
from marshmallow import ValidationError, fields, validate, validates_schema

from services.common.schema import Strict
from services.subsidies.contract import DryRunIn


class DryRunBody(DryRunIn):
    """Give an activity_id (its facts are looked up), or the facts of an activity or venue."""
    activity_id = fields.Integer(load_default=None, allow_none=True, strict=True)

    @validates_schema
    def _one_subject(self, data, **kwargs):
        given = [k for k in ("activity_id", "activity", "venue") if data.get(k) is not None]
        if len(given) != 1:
            raise ValidationError("give exactly one of activity_id, activity or venue",
                                  "activity_id")


class ExportQuery(Strict):
    """csv (the default) or xlsx: the bank file; json: the CSV in JSON with its figures."""
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "xlsx", "json")))
