"""Search over ads (full text and exact identifiers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from safeharbor.web.deps import AccessDep, ConnDep
from safeharbor.web.workspace.contexts import SearchPage
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import Offset
from safeharbor.web.workspace.render import is_htmx, render
from safeharbor.workspace.search import SearchKind
from safeharbor.workspace.search import search as run_search

router = APIRouter()
PAGE = 100
MAX_OFFSET = 1_000_000  # beyond any store's hits; bounds a hand-typed offset


@router.get("/search")
@rule("search", "search", "ads")
def search_page(
    request: Request,
    access: AccessDep,
    conn: ConnDep,
    q: str = "",
    kind: SearchKind = "auto",
    offset: Offset = 0,
) -> Response:
    result = None
    offset = min(max(offset, 0), MAX_OFFSET)
    if q.strip():
        result = run_search(conn, q, kind=kind, limit=PAGE, offset=offset)
        access.note(detail=f"{result.kind} {q[:100]!r}: {result.total} hits, from {offset + 1}")
    else:
        # Opening the empty form is not a search: logged as such, so each search is one "search" row.
        access.note(action="search.form")
    context = SearchPage(q=q, kind=kind, result=result, page_size=PAGE)
    return render(
        request, access, context, template=SearchPage.results_template if is_htmx(request) else None
    )
