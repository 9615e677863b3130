"""Payees: the bank account of a union, or of a venue paid itself, kept by finance and the
city (the gateway checks that the union or venue exists and passes its name). A batch pays
only payees with bank details; the others are held out (entrypoints/disbursement.py)."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.common.clock import utcnow
from services.common.errors import Conflict, Invalid, NotFound
from services.common.paging import page
from services.common.schema import load
from services.subsidies import contract, repository
from services.subsidies.domain import payees as payee_rules
from services.subsidies.entrypoints import rpc
from services.subsidies.models import Payee


class PayeeEntrypoints:
    @rpc
    def put_payee(self, kind, payee_id, payload, name, actor):
        """Set (or replace) a payee's bank details; batches made before keep theirs."""
        _known_kind(kind)
        data = load(contract.PayeeIn(), payload)
        cleaned, errors = payee_rules.clean_bank_details(
            data["account_name"], data["bank"], data["account_number"])
        if errors:
            raise Invalid("the bank details are not valid", errors)
        with self.db.unit_of_work() as uow:
            session = uow.session
            row = session.scalars(select(Payee).where(
                Payee.payee_kind == kind, Payee.payee_id == payee_id).with_for_update()).first()
            if row is None:
                row = Payee(payee_kind=kind, payee_id=payee_id)
                session.add(row)
            row.name = None if name is None else str(name)[:200]
            row.account_name, row.bank = cleaned["account_name"], cleaned["bank"]
            row.account_number = cleaned["account_number"]
            row.updated_at, row.updated_by = utcnow(), actor
            try:
                session.flush()
            except IntegrityError:  # a concurrent first PUT of the same payee won
                raise Conflict("the payee was set at the same time by another request; "
                               "try again", {"kind": kind, "id": payee_id}) from None
            return contract.PayeeOut().dump(row)

    @rpc
    def get_payee(self, kind, payee_id):
        _known_kind(kind)
        with self.db.session() as session:
            return contract.PayeeOut().dump(repository.payee(session, kind, payee_id))

    @rpc
    def list_payees(self, filters=None, limit=50, offset=0):
        filters = load(contract.PayeeFilter(), filters)
        query = select(Payee).order_by(Payee.payee_kind)  # then by id (page's order)
        if "kind" in filters:
            query = query.where(Payee.payee_kind == filters["kind"])
        with self.db.session() as session:
            return page(session, query, Payee.payee_id, contract.PayeeOut(),
                        limit, offset)


def _known_kind(kind):
    if kind not in contract.PAYEE_KINDS:
        raise NotFound("no payee kind %s" % kind)
