"""HTTP schemas of user management and the audit log."""
from marshmallow import fields, validate

from gateway.passwords import length_validators
from gateway.schemas import ROLES, Paging
from services.common.schema import Strict, UtcDateTime


class UserQuery(Paging):
    role = fields.String(validate=validate.OneOf(ROLES))
    county = fields.String()
    union_id = fields.Integer()
    disabled = fields.Boolean()


class UserChange(Strict):
    """Any subset; the resulting role, county and union must fit together."""
    role = fields.String(validate=validate.OneOf(ROLES))
    county = fields.String(allow_none=True, validate=validate.Length(1, 64))
    union_id = fields.Integer(allow_none=True, strict=True)
    disabled = fields.Boolean()


class PasswordReset(Strict):
    password = fields.String(required=True, validate=length_validators())


class PasswordChange(Strict):
    current_password = fields.String(required=True, validate=validate.Length(1, 200))
    new_password = fields.String(required=True, validate=length_validators())


class AuditQuery(Paging):
    username = fields.String()
    method = fields.String(validate=validate.OneOf(("POST", "PUT", "PATCH", "DELETE")))
    path = fields.String()  # a prefix, matched literally (% and _ are no wildcards)


class AuditAnswer(Strict):
    id = fields.Integer()
    at = UtcDateTime()
    request_id = fields.String()
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    method = fields.String()
    route = fields.String()
    path = fields.String()
    object_id = fields.String(allow_none=True)
    status = fields.Integer()
    client_address = fields.String(allow_none=True)  # of failed sign-ins
