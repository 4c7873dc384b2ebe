"""Query parameters shared by more than one workspace route (the lead filters, the page size)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Path, Query

from safeharbor.types import MAX_ID
from safeharbor.workspace.leads import LeadFilters

PAGE_SIZE = 50
# The largest id or offset a route accepts (safeharbor.types.MAX_ID): a bigger (or negative) number
# is answered 422 with a readable page, never passed to the database.
__all__ = ["MAX_ID", "PAGE_SIZE", "FormId", "Offset", "PathId", "QueryId", "LeadFiltersDep", "lead_filters"]
PathId = Annotated[int, Path(ge=0, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=0, le=MAX_ID)]
FormId = Annotated[int, Form(ge=0, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]


def lead_filters(
    city: str = "",
    state: str = "",
    since: str = "",
    until: str = "",
    source: str = "",
    indicator: str = "",
    reviewed: str = "no",
    teach: str = "",
) -> LeadFilters:
    """The lead queue's filters from the query string (empty: no filter; an unknown `reviewed`: "no")."""
    return LeadFilters(
        city=city or None,
        state=state or None,
        since=since or None,
        until=until or None,
        source=source or None,
        indicator=indicator or None,
        reviewed="yes" if reviewed == "yes" else "all" if reviewed == "all" else "no",
        teach=teach not in ("", "0"),
    )


LeadFiltersDep = Annotated[LeadFilters, Depends(lead_filters)]
