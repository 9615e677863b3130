"""What is the gateway's own in subsidies' HTTP: the dry run by activity_id (the gateway
looks the activity's facts up) and the export's format. Everything else is the service's
contract (services.subsidies.contract)."""
from marshmallow import fields, validate

from services.common.schema import Strict
from services.subsidies.contract import DryRunIn


class DryRunBody(DryRunIn):
    """An activity_id (a decided one runs on its decision's stored inputs, an undecided
    one on the facts its approval would carry), or the facts of an activity or venue."""


class ExportQuery(Strict):
    """csv (the default) or xlsx: the bank file; json: the CSV in JSON with its figures."""
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "xlsx", "json")))
