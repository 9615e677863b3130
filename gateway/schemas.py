"""The gateway's own HTTP shapes: paging, identity and operations. Everything else the
gateway validates and documents with the services' contracts (services/<name>/contract),
so that no field list is written twice."""
from marshmallow import fields, validate

from gateway import passwords
from services.common.schema import Strict

ROLES = ("city_admin", "county_reviewer", "union_admin", "finance", "worker", "ops")
SERVICES = ("activities", "subsidies", "library", "notify")


class Paging(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


_PAGED = {}


def paged(filter_schema):
    """The HTTP query of a list: a service contract's filter plus limit and offset.

    One class per filter (made once), named after it, for the OpenAPI document."""
    query = _PAGED.get(filter_schema)
    if query is None:
        name = filter_schema.__name__.replace("Filter", "") + "Query"
        query = _PAGED[filter_schema] = type(name, (Paging, filter_schema), {})
    return query


# auth and users --------------------------------------------------------------------------
class TokenRequest(Strict):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 200))


class TokenAnswer(Strict):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class UserCreate(Strict):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[\w.@-]{3,64}$", error="3-64 letters, digits or . _ @ -"))
    password = fields.String(required=True, validate=passwords.length_validators())
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    county = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    union_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class UserAnswer(Strict):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    county = fields.String(allow_none=True)
    union_id = fields.Integer(allow_none=True)
    disabled = fields.Boolean()


# operations ------------------------------------------------------------------------------
class Redrive(Strict):
    service = fields.String(required=True,
                            validate=validate.OneOf(SERVICES))
    ids = fields.List(fields.Integer(strict=True), load_default=None, allow_none=True)
