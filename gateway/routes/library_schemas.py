"""What the gateway's library routes take that the library service does not: HTTP only.
Everything else is the service's contract (services.library.contract)."""
from marshmallow import fields

from services.common.schema import Strict
from services.library import contract


class LoanCreate(contract.LoanIn):
    """A loan as a client asks for it: staff name the worker who borrows (the gateway
    checks it and hands the service the borrower)."""
    borrower_id = fields.Integer(strict=True, load_default=None, allow_none=True,
                                 validate=contract.commands.ID,
                                 metadata={"description": "staff only: the worker who borrows"})


class RenewBody(Strict):
    """A renewal has no body (an empty object at most)."""
