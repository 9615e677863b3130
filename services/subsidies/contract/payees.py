"""Payees: the bank account a union (or a venue paid itself) receives its money on."""
from marshmallow import fields, validate

from services.common.schema import Strict
from services.subsidies.contract._fields import page_of, when
from services.subsidies.words import PAYEE_KINDS

__all__ = ['PayeeIn', 'PayeeFilter', 'PayeeOut', 'PayeeList']


class PayeeIn(Strict):
    """Bank details as finance types them: names are stripped (1-100 characters), the
    account number is 8-30 digits once its spaces are removed (leading zeros kept)."""
    account_name = fields.String(required=True, validate=validate.Length(max=200),
                                 metadata={"description": "户名: the account holder's name"})
    bank = fields.String(required=True, validate=validate.Length(max=200),
                         metadata={"description": "开户行: the bank and its branch"})
    account_number = fields.String(required=True, validate=validate.Length(max=60),
                                   metadata={"description": "8-30 digits; spaces are removed"})


class PayeeFilter(Strict):
    kind = fields.String(validate=validate.OneOf(PAYEE_KINDS))


class PayeeOut(Strict):
    kind = fields.String(attribute="payee_kind", metadata={"enum": list(PAYEE_KINDS)})
    id = fields.Integer(attribute="payee_id",
                        metadata={"description": "the union's or the venue's id"})
    name = fields.String(allow_none=True,
                         metadata={"description": "the union's or venue's name when last set"})
    account_name = fields.String()
    bank = fields.String()
    account_number = fields.String(metadata={"description": "digits, leading zeros kept"})
    updated_at = when()
    updated_by = fields.String()


PayeeList = page_of(PayeeOut)
