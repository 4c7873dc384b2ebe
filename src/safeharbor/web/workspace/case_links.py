"""What the ad and network pages show in their "Cases" panel (contexts.InCases), read in one place."""

from __future__ import annotations

from sqlalchemy import Connection

from safeharbor.web.workspace.guard import Access
from safeharbor.workspace import cases as case_ops
from safeharbor.workspace.cases import CaseSummary

OPEN_CASES_SHOWN = 50


def case_links(
    conn: Connection, access: Access, item_type: str, ref: str
) -> tuple[list[int], list[CaseSummary]]:
    """The cases the item is in, and the open cases this user may add it to (none without case.write)."""
    in_cases = case_ops.cases_for_item(conn, item_type, ref)
    if not access.can("case.write"):
        return in_cases, []
    return in_cases, case_ops.list_cases(conn, status="open", limit=OPEN_CASES_SHOWN)
