"""The library's published contract, in one place to import from.

What its RPC methods take (*In commands, *Filter queries) and answer (*Out and the lists),
the events it publishes, and its words with their Chinese names (venue kinds, criteria,
ratings, statuses). The service loads and dumps with these classes; the gateway validates
HTTP bodies and queries and documents its answers with the very same ones; subsidies
takes VENUE_KINDS and RATINGS from here. Importable without SQLAlchemy, eventlet or the
service's implementation (marshmallow, the clock and the pure words only).
"""
from services.library.contract.answers import (  # noqa: F401
    BookList, BookOut, BookWithCopies, CopyDetail, CopyList, CopyOut, CountyFigures,
    Criterion, EvaluationList, EvaluationOut, HoldingsOut, IdleVenues, LoanFigures, LoanList,
    LoanOut, LoanStatistics, MonthFigures, MoveOut, NetworkSummary, ReadingSeason, SchemeOut,
    SummaryCell, SummaryCounty, SummaryFigures, SummaryKind, VenueChangeOut, VenueFigures,
    VenueList, VenueOut)
from services.library.contract.commands import (  # noqa: F401
    ActivityCredit, Band, BookFilter, BookIn, CloseIn, CopyFilter, EvaluationFilter,
    EvaluationIn, HoldingsIn, LoanFilter, LoanIn, MoveIn, OverdueFilter, ReopenIn, ReturnIn,
    SchemeIn, SeasonFilter, StatsFilter, SummaryFilter, VenueChanges, VenueFilter, VenueIn)
from services.library.contract.fields import Isbn  # noqa: F401
from services.library.events import (  # noqa: F401
    VENUE_EVALUATED, VENUE_REGISTERED, VenueEvaluated, VenueFacts)
from services.library.words import (  # noqa: F401
    COPY_STATUSES, CRITERIA, LOAN_STATUSES, RATINGS, VENUE_KINDS, VENUE_STATUSES)
