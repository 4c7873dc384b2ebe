"""What each workspace page is given: one dataclass per page, so mypy checks every page's context.

As datasette's `RowContext` does, a page's context is declared once with its template; a route builds
it and `render.render` hands its fields to the template (plus the signed-in user and CSRF token that
every page gets). A template reads these fields and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from safeharbor.link.evidence import EdgeEvidence
from safeharbor.link.queries import NetworkRecord
from safeharbor.score.phrase_store import StoredPhrase
from safeharbor.tips import Tip
from safeharbor.workspace.accounts import User
from safeharbor.workspace.adview import AdView
from safeharbor.workspace.alerts import AlertView
from safeharbor.workspace.audit import AuditEntry
from safeharbor.workspace.cases import CaseDetail, CaseSummary
from safeharbor.workspace.leads import LeadFilters, LeadRow
from safeharbor.workspace.netview import NetworkTemplate, NetworkView
from safeharbor.workspace.search import SearchResult
from safeharbor.workspace.tiplinks import TipLink
from safeharbor.workspace.watches import Watch, WatchTarget


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a long list: where it starts and how many rows a full page has ("more" links)."""

    offset: int
    page_size: int


@dataclass(frozen=True, slots=True)
class InCases:
    """The cases an item is in, and the open ones this user may add it to (none if they may not edit)."""

    in_cases: list[int]
    open_cases: list[CaseSummary]


@dataclass(frozen=True, slots=True)
class LoginPage:
    template: ClassVar[str] = "login.html"
    error: str | None
    next_url: str
    login_csrf: str
    expired: bool


@dataclass(frozen=True, slots=True)
class LeadsPage(Listing):
    template: ClassVar[str] = "leads.html"
    rows_template: ClassVar[str] = "leads_rows.html"  # the next page of rows, for htmx
    rows: list[LeadRow]
    filters: LeadFilters
    choices: dict[str, list[str]]
    tips: list[Tip]  # the newest few, above the queue
    query: str  # the filters as a query string, for "more"
    tip_links: dict[str, list[TipLink]] = field(default_factory=dict)  # network id / "ad:KEY" -> tips
    export_query: str = ""  # the filters without the paging offset, for the CSV download
    total: int = 0  # leads matching the filters over all pages
    max_bulk: int = 0  # the most leads one "all matching" decision touches


@dataclass(frozen=True, slots=True)
class ReviewBadge:
    """A lead's review mark and its buttons (a fragment, swapped in by htmx)."""

    template: ClassVar[str] = "review_badge.html"
    lead_type: str
    lead_ref: str
    review: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    template: ClassVar[str] = "search.html"
    results_template: ClassVar[str] = "search_results.html"
    q: str
    kind: str
    result: SearchResult | None
    page_size: int = 100


@dataclass(frozen=True, slots=True)
class AdPage(InCases):
    template: ClassVar[str] = "ad.html"
    view: AdView
    review: dict[str, Any] | None
    watch_targets: list[WatchTarget]
    tip_links: list[TipLink] = field(default_factory=list)  # tips whose matches land on this ad


@dataclass(frozen=True, slots=True)
class NetworksPage(Listing):
    template: ClassVar[str] = "networks.html"
    networks: list[NetworkRecord]


@dataclass(frozen=True, slots=True)
class NetworkPage(InCases):
    template: ClassVar[str] = "network.html"
    view: NetworkView
    watch_targets: list[WatchTarget]
    tip_links: list[TipLink] = field(default_factory=list)  # tips whose matches land on this network


@dataclass(frozen=True, slots=True)
class NetworkTemplates:
    """The operator's writing: a network's templates (a fragment the network page loads after itself,
    as it does the graph and the map: reading 300 ads' text took 65-120 ms at 1.15M ads)."""

    template: ClassVar[str] = "network_templates.html"
    network_id: str
    templates: list[NetworkTemplate]


@dataclass(frozen=True, slots=True)
class WhyLinked:
    """The chain of evidence joining two ads of a network (a fragment)."""

    template: ClassVar[str] = "why.html"
    network_id: str
    a: int
    b: int
    evidence: list[EdgeEvidence]


@dataclass(frozen=True, slots=True)
class TipsPage(Listing):
    template: ClassVar[str] = "tips.html"
    tips: list[Tip]
    held: bool = False  # this page lists the tips held for review (a flood's suspected junk)
    held_count: int = 0


@dataclass(frozen=True, slots=True)
class TipPage:
    template: ClassVar[str] = "tip.html"
    tip: Tip
    in_cases: list[int]
    statuses: tuple[str, ...] = ()
    history: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CasesPage:
    template: ClassVar[str] = "cases.html"
    cases: list[CaseSummary]
    status: str
    mine: bool
    statuses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CasePage:
    template: ClassVar[str] = "case.html"
    detail: CaseDetail
    exports: list[dict[str, Any]]
    people: list[str]  # who a case can be assigned to
    statuses: tuple[str, ...]
    outcomes: list[str]
    hotlines: list[dict[str, str]]
    tips: list[Tip] = field(default_factory=list)  # the attached tips, in full
    error: str | None = None  # why the last change was refused (the form keeps what was typed)
    kept: dict[str, str] = field(default_factory=dict)  # what was typed, by form field


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """A workspace request that could not be served, said in words (never a raw JSON page)."""

    template: ClassVar[str] = "error.html"
    status: int
    title: str
    message: str
    back: str | None  # where to go from here


@dataclass(frozen=True, slots=True)
class AuditPage:
    template: ClassVar[str] = "audit.html"
    entries: list[AuditEntry]
    offset: int
    total: int
    user_filter: str
    action_filter: str
    outcome_filter: str
    since_filter: str = ""
    until_filter: str = ""
    query: str = ""  # the filters as a query string, for the CSV link and paging
    date_error: str | None = None
    page_size: int = 100


@dataclass(frozen=True, slots=True)
class AlertsPage:
    template: ClassVar[str] = "alerts.html"
    alerts: list[AlertView]
    total: int
    unread_only: bool
    offset: int
    page_size: int


@dataclass(frozen=True, slots=True)
class WatchesPage:
    template: ClassVar[str] = "watches.html"
    watches: list[Watch]
    kinds: tuple[str, ...]
    error: str | None = None
    form: dict[str, str] | None = None  # what was typed, kept when it was refused


@dataclass(frozen=True, slots=True)
class LearningPage:
    """What the ranking has learnt from reviews: labels so far, model versions, the re-fit action."""

    template: ClassVar[str] = "learning.html"
    confirmed: int
    dismissed: int
    in_use: str  # the weights in use: "catalogue" or "fitted on N reviews of this corpus (model #k)"
    history: list[dict[str, Any]]
    can_fit: bool
    result: list[str]  # the last re-fit's report lines (after the action)
    error: str | None


@dataclass(frozen=True, slots=True)
class PhrasesPage:
    """Phrases proposed from reviews (with their counts) and those accepted into the catalogue."""

    template: ClassVar[str] = "phrases.html"
    proposed: list[StoredPhrase]
    accepted: list[StoredPhrase]
    indicators: list[str]  # ad-level indicator ids to accept into
    can_accept: bool
    message: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class UsersPage:
    template: ClassVar[str] = "users.html"
    users: list[User]
    roles: tuple[str, ...]
    min_length: int
    message: str | None = None
    error: str | None = None
    form: dict[str, str] | None = None  # what was typed (never a password), kept when refused
    secret: tuple[str, str, str] | None = None  # (user, TOTP secret, otpauth URI), shown once


@dataclass(frozen=True, slots=True)
class MessagePage:
    """A short page saying what happened (an action refused, and why), with the way back."""

    template: ClassVar[str] = "message.html"
    title: str
    message: str
    back_url: str


PageContext = (
    LoginPage
    | LeadsPage
    | ReviewBadge
    | SearchPage
    | AdPage
    | NetworksPage
    | NetworkPage
    | WhyLinked
    | NetworkTemplates
    | TipsPage
    | TipPage
    | CasesPage
    | CasePage
    | AuditPage
    | ErrorPage
    | LearningPage
    | PhrasesPage
    | AlertsPage
    | WatchesPage
    | UsersPage
    | MessagePage
)
