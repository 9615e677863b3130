"""The reading network: venues, holdings and loans, four-goods evaluations, statistics."""
from gateway import policy
from gateway.api import route
from gateway.errors import forbidden, invalid
from gateway.models import User
from gateway.routes import library_schemas as ls
from gateway.routes.common import jsonable, split_paging
from gateway.schemas import Paging, paged
from services.library import contract
from services.common.errors import NotFound

CITY = ["city_admin"]


class LibraryRoutes:
    # venues ----------------------------------------------------------------------------
    @route("POST", "/api/v1/venues", roles=CITY, body=contract.VenueIn(), creates=True,
           status=201, response=contract.VenueOut,
           summary="Register a venue of the reading network")
    def register_venue(self, call):
        self._check_host_union(call.body)
        return self._rpc("library", "register_venue", call.json, call.user.username)

    @route("GET", "/api/v1/venues/<int:venue_id>", response=contract.VenueOut, summary="A venue")
    def get_venue(self, call, venue_id):
        return self._rpc("library", "get_venue", venue_id)

    @route("GET", "/api/v1/venues", query=paged(contract.VenueFilter)(), response=contract.VenueList,
           summary="List venues; filter by kind, county, status, host union or name")
    def list_venues(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("library", "list_venues", filters, limit, offset)

    @route("PATCH", "/api/v1/venues/<int:venue_id>", roles=CITY, body=contract.VenueChanges(),
           response=contract.VenueOut, summary="Change a venue's details (any subset of fields)")
    def change_venue(self, call, venue_id):
        if not call.body:
            raise invalid({"_schema": ["give at least one field to change"]})
        self._check_host_union(call.body)
        return self._rpc("library", "update_venue", venue_id, call.json, call.user.username)

    @route("POST", "/api/v1/venues/<int:venue_id>/close", roles=CITY, body=contract.CloseIn(),
           response=contract.VenueOut,
           summary="Close a venue; its holdings, loans and evaluations stay as history")
    def close_venue(self, call, venue_id):
        return self._rpc("library", "close_venue", venue_id, call.body["reason"],
                         call.user.username)

    @route("POST", "/api/v1/venues/<int:venue_id>/reopen", roles=CITY, body=contract.ReopenIn(),
           response=contract.VenueOut, summary="Reopen a closed venue")
    def reopen_venue(self, call, venue_id):
        return self._rpc("library", "reopen_venue", venue_id, call.body["comment"],
                         call.user.username)

    @route("GET", "/api/v1/venues/<int:venue_id>/history", roles=policy.LIBRARY_READERS,
           response=contract.VenueChangeOut(many=True),
           summary="A venue's history: registered, changed, closed, reopened")
    def venue_history(self, call, venue_id):
        return self._rpc("library", "venue_history", venue_id)

    @route("GET", "/api/v1/venues/summary", query=contract.SummaryFilter(),
           response=contract.NetworkSummary,
           summary="The network by county and kind: venues, floor area, seats, e-reading devices")
    def network_summary(self, call):
        return self._rpc("library", "network_summary", call.query)

    # holdings --------------------------------------------------------------------------
    @route("POST", "/api/v1/venues/<int:venue_id>/holdings", roles=policy.LIBRARY_STAFF,
           body=contract.HoldingsIn(), creates=True, status=201,
           response=contract.HoldingsOut,
           summary="Add copies of a book (by ISBN) to a venue's holdings")
    def add_holdings(self, call, venue_id):
        policy.require_venue_staff(call.user, self._rpc("library", "get_venue", venue_id))
        return self._rpc("library", "add_holdings", venue_id, call.json, call.user.username)

    @route("GET", "/api/v1/venues/<int:venue_id>/holdings", query=Paging(),
           response=contract.BookList, summary="The titles a venue holds, with copies and available")
    def venue_holdings(self, call, venue_id):
        return self._rpc("library", "venue_holdings", venue_id, call.query["limit"],
                         call.query["offset"])

    @route("POST", "/api/v1/books", roles=policy.LIBRARY_STAFF, body=contract.BookIn(),
           creates=True, status=201, response=contract.BookOut,
           summary="Catalogue a book by its ISBN (ISBN-10 or -13, stored as ISBN-13)")
    def add_book(self, call):
        return self._rpc("library", "add_book", call.json)

    @route("GET", "/api/v1/books", query=paged(contract.BookFilter)(), response=contract.BookList,
           summary="Search the catalogue by ISBN, title or venue")
    def list_books(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("library", "list_books", filters, limit, offset)

    @route("GET", "/api/v1/books/<int:book_id>", response=contract.BookWithCopies,
           summary="A book with its copies across the network")
    def get_book(self, call, book_id):
        return self._rpc("library", "get_book", book_id)

    @route("GET", "/api/v1/copies", query=paged(contract.CopyFilter)(), response=contract.CopyList,
           summary="Copies by venue, book, ISBN, barcode or status")
    def list_copies(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("library", "list_copies", filters, limit, offset)

    @route("GET", "/api/v1/copies/<int:copy_id>", response=contract.CopyDetail,
           summary="A copy with its moves between venues")
    def get_copy(self, call, copy_id):
        return self._rpc("library", "get_copy", copy_id)

    @route("POST", "/api/v1/copies/<int:copy_id>/move", roles=policy.LIBRARY_STAFF,
           body=contract.MoveIn(), response=contract.CopyDetail,
           summary="Move a copy to another venue; its loan history stays with it")
    def move_copy(self, call, copy_id):
        copy = self._rpc("library", "get_copy", copy_id)
        policy.require_venue_staff(call.user, self._rpc("library", "get_venue", copy["venue_id"]))
        if call.user.role != "city_admin":
            try:
                target = self._rpc("library", "get_venue", call.body["venue_id"])
            except NotFound:
                raise invalid({"venue_id": ["no such venue"]}) from None
            policy.require_venue_staff(call.user, target)
        return self._rpc("library", "move_copy", copy_id, call.json, call.user.username)

    # loans -----------------------------------------------------------------------------
    @route("POST", "/api/v1/loans", roles=policy.BORROWERS, body=ls.LoanCreate(), creates=True,
           status=201, response=contract.LoanOut,
           summary="Borrow a copy (a worker for itself; venue staff for a worker)")
    def lend(self, call):
        body = dict(call.json)  # the service loads it again with contract.LoanIn
        borrower_id = call.body["borrower_id"]
        body.pop("borrower_id", None)
        if call.user.role == "worker":
            if borrower_id not in (None, call.user.id):
                raise forbidden("a worker borrows for itself only")
            borrower = {"user_id": call.user.id, "username": call.user.username}
        else:
            if borrower_id is None:
                raise invalid({"borrower_id": ["staff record a loan for a worker: give its id"]})
            borrower = self._worker(borrower_id)
            policy.require_venue_staff(call.user, self._lending_venue(body))
        return self._rpc("library", "lend", body, borrower, call.user.username)

    @route("GET", "/api/v1/loans", roles=policy.BORROWERS + ("county_reviewer",),
           query=paged(contract.LoanFilter)(), response=contract.LoanList,
           summary="Loans the caller may see (a worker: its own), newest first")
    def list_loans(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("library", "list_loans", policy.library_scope(call.user, filters),
                         limit, offset)

    @route("GET", "/api/v1/loans/overdue", roles=["city_admin", "union_admin", "county_reviewer"],
           query=paged(contract.OverdueFilter)(), response=contract.LoanList,
           summary="Open loans past their due date, longest overdue first")
    def overdue_loans(self, call):
        filters, limit, offset = split_paging(call.query)
        filters["status"] = "overdue"
        return self._rpc("library", "list_loans", policy.library_scope(call.user, filters),
                         limit, offset)

    @route("GET", "/api/v1/loans/<int:loan_id>", roles=policy.BORROWERS + ("county_reviewer",),
           response=contract.LoanOut, summary="A loan")
    def get_loan(self, call, loan_id):
        loan = self._rpc("library", "get_loan", loan_id)
        policy.require_read_loan(call.user, loan)
        return loan

    @route("POST", "/api/v1/loans/<int:loan_id>/return", roles=policy.BORROWERS,
           body=contract.ReturnIn(), response=contract.LoanOut,
           summary="Return a borrowed copy (at its venue, or at another open venue)")
    def return_loan(self, call, loan_id):
        policy.require_handle_loan(call.user, self._rpc("library", "get_loan", loan_id))
        return self._rpc("library", "return_loan", loan_id, call.json, call.user.username)

    @route("POST", "/api/v1/loans/<int:loan_id>/renew", roles=policy.BORROWERS,
           body=ls.RenewBody(), response=contract.LoanOut,
           summary="Renew a loan that is not overdue (a limited number of times)")
    def renew_loan(self, call, loan_id):
        policy.require_handle_loan(call.user, self._rpc("library", "get_loan", loan_id))
        return self._rpc("library", "renew_loan", loan_id, call.user.username)

    # four-goods evaluations ------------------------------------------------------------
    @route("POST", "/api/v1/venues/<int:venue_id>/evaluations", roles=policy.REVIEWERS,
           body=contract.EvaluationIn(), creates=True, status=201,
           response=contract.EvaluationOut,
           summary="Score a venue on the four goods (四好) for a period; total and rating follow")
    def evaluate_venue(self, call, venue_id):
        policy.require_evaluate_venue(call.user, self._rpc("library", "get_venue", venue_id))
        return self._rpc("library", "evaluate_venue", venue_id, call.json, call.user.username)

    @route("GET", "/api/v1/evaluations", roles=policy.LIBRARY_READERS,
           query=paged(contract.EvaluationFilter)(), response=contract.EvaluationList,
           summary="Four-goods evaluations the caller may see, newest first")
    def list_evaluations(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("library", "list_evaluations", policy.library_scope(call.user, filters),
                         limit, offset)

    @route("GET", "/api/v1/evaluations/<int:evaluation_id>", roles=policy.LIBRARY_READERS,
           response=contract.EvaluationOut, summary="A four-goods evaluation with its explanation")
    def get_evaluation(self, call, evaluation_id):
        evaluation = self._rpc("library", "get_evaluation", evaluation_id)
        scope = policy.library_scope(call.user, {})
        if any(evaluation.get(key) != value for key, value in scope.items()):
            raise forbidden("this evaluation concerns another union's or county's venue")
        return evaluation

    @route("GET", "/api/v1/evaluation-scheme", roles=policy.LIBRARY_READERS,
           response=contract.SchemeOut,
           summary="The current four-goods scheme: criteria, activity credit, rating bands")
    def evaluation_scheme(self, call):
        return self._rpc("library", "evaluation_scheme")

    @route("PUT", "/api/v1/evaluation-scheme", roles=CITY, body=contract.SchemeIn(),
           response=contract.SchemeOut,
           summary="Set a new version of the four-goods scheme (later evaluations use it)")
    def set_evaluation_scheme(self, call):
        return self._rpc("library", "set_evaluation_scheme", call.json, call.user.username)

    # reading statistics ----------------------------------------------------------------
    @route("GET", "/api/v1/library/statistics", roles=policy.LIBRARY_READERS,
           query=contract.StatsFilter(), response=contract.LoanStatistics,
           summary="Loans and active readers per venue, county and month in a period")
    def loan_statistics(self, call):
        return self._rpc("library", "loan_statistics",
                         jsonable(policy.library_scope(call.user, call.query, "county")))

    @route("GET", "/api/v1/library/reading-season", roles=policy.LIBRARY_READERS,
           query=contract.SeasonFilter(), response=contract.ReadingSeason,
           summary="The autumn reading season's figures (职工读书季, September to November)")
    def reading_season(self, call):
        filters = dict(call.query)
        year = filters.pop("year")
        return self._rpc("library", "reading_season", year,
                         policy.library_scope(call.user, filters, "county"))

    @route("GET", "/api/v1/library/idle-venues", roles=policy.LIBRARY_READERS,
           query=paged(contract.StatsFilter)(), response=contract.IdleVenues,
           summary="Open venues without a loan or an approved activity in a period")
    def idle_venues(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("library", "idle_venues",
                         jsonable(policy.library_scope(call.user, filters, "county")),
                         limit, offset)

    # helpers -----------------------------------------------------------------------------
    def _check_host_union(self, body):
        if body.get("host_union_id") is None:
            return
        try:
            self._rpc("activities", "get_union", body["host_union_id"])
        except NotFound:
            raise invalid({"host_union_id": ["no such union"]}) from None

    def _worker(self, user_id):
        with self.db.session() as session:
            user = session.get(User, user_id)
            if user is None or user.role != "worker" or user.disabled:
                raise invalid({"borrower_id": ["no such worker"]})
            return {"user_id": user.id, "username": user.username}

    def _lending_venue(self, body):
        """The venue of the copy named by copy_id or barcode (the service checks the rest)."""
        if body.get("copy_id") is not None:
            try:
                copy = self._rpc("library", "get_copy", body["copy_id"])
            except NotFound:
                raise invalid({"copy_id": ["no such copy"]}) from None
        elif body.get("barcode"):
            found = self._rpc("library", "list_copies", {"barcode": body["barcode"]}, 1, 0)
            if not found["items"]:
                raise invalid({"barcode": ["no such copy"]})
            copy = found["items"][0]
        else:
            raise invalid({"copy_id": ["give copy_id or barcode"],
                           "barcode": ["give copy_id or barcode"]})
        return self._rpc("library", "get_venue", copy["venue_id"])
