"""The three-tier unions directory: add, rename or move, read, list, history."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.activities import contract, domain, queries
from services.activities.entrypoints.base import Shared
from services.activities.models import Union, UnionChange
from services.common.clock import utcnow
from services.common.errors import Conflict, Invalid, expected_rpc
from services.common.schema import load

rpc = expected_rpc()
UNION_CHANGES_OUT = contract.UnionChangeOut(many=True)


class UnionEntrypoints(Shared):
    @rpc
    def create_union(self, payload, actor=None):
        data = load(contract.UnionIn(), payload)
        with self.db.unit_of_work() as uow:
            parent = queries.parent(uow.session, data["parent_id"])
            errors = domain.union_errors(data, queries.union_dict(parent) if parent else None)
            if errors:
                raise Invalid("union rejected", errors)
            queries.check_union_name(uow.session, data["name"])
            union = Union(**data, created_at=utcnow())
            uow.session.add(union)
            uow.session.flush()
            answer = queries.UNION_OUT.dump(union)
        return answer

    @rpc
    def update_union(self, union_id, payload, actor):
        """Rename or move a union; its id, its activities and their history stay."""
        data = load(contract.UnionChange(), payload)
        if not data:
            raise Invalid("nothing to change", {"_schema": ["name at least one field"]})
        with self.db.unit_of_work() as uow:
            union = queries.union(uow.session, union_id)
            current = queries.union_state(union)
            proposed = dict(current, **data)
            parent = queries.parent(uow.session, proposed["parent_id"])
            if parent is not None and parent.id == union.id:
                raise Invalid("union rejected", {"parent_id": ["a union is not its own parent"]})
            if ("parent_id" in data and "county" not in data and parent is not None
                    and union.level == "grassroots"):
                proposed["county"] = parent.county  # moving follows the new county
            errors = domain.union_errors(dict(proposed, level=union.level),
                                         queries.union_dict(parent) if parent else None)
            if errors:
                raise Invalid("union rejected", errors)
            if proposed["name"] != union.name:
                queries.check_union_name(uow.session, proposed["name"])
            if proposed["county"] != union.county and union.level != "grassroots":
                children = queries.children_of(uow.session, union.id)
                if children:
                    raise Conflict("move its %d unions first: they belong to %s"
                                   % (children, union.county), {"county": union.county})
            changes = domain.union_changes(current, proposed)
            if changes:
                for key, (_, value) in changes.items():
                    setattr(union, key, value)
                uow.session.add(UnionChange(union_id=union.id, at=utcnow(), actor=actor,
                                            changes=changes))
            try:
                uow.session.flush()
            except IntegrityError:
                raise Conflict("a union with this name exists", {"name": proposed["name"]}) from None
            answer = queries.UNION_OUT.dump(union)
        return answer

    @rpc
    def union_history(self, union_id):
        with self.db.session() as session:
            queries.union(session, union_id)
            rows = session.scalars(select(UnionChange).where(UnionChange.union_id == union_id)
                                   .order_by(UnionChange.id)).all()
            return UNION_CHANGES_OUT.dump(rows)

    @rpc
    def get_union(self, union_id):
        with self.db.session() as session:
            return queries.UNION_OUT.dump(queries.union(session, union_id))

    @rpc
    def list_unions(self, filters=None, limit=50, offset=0):
        filters = load(contract.UnionFilter(), filters)
        part = filters.pop("q", None)
        query = select(Union).filter_by(**filters)
        if part:
            query = query.where(Union.name.contains(part, autoescape=True))
        return self._page(query, Union.id, queries.UNION_OUT, limit, offset)
