"""CSV downloads of what an analyst is looking at: the lead queue (with its filters) and search results.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` as a formula, and ad text is
written by strangers: such cells are prefixed with `'` (OWASP's advice on CSV injection). A lead's
number is its rank in the corpus (and top percent); `score` is the raw ranking score, not a probability;
`calibrated_risk` is filled once enough leads are reviewed (score/calibration.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from safeharbor.workspace.leads import LeadRow
from safeharbor.workspace.search import SearchHit

MAX_ROWS = 5000  # one download; narrow the filters for more
LEAD_COLUMNS = (
    "kind",
    "ref",
    "title",
    "rank",
    "top_percent",
    "calibrated_risk",
    "score",
    "city",
    "state",
    "last_seen",
    "source",
    "network",
    "ads",
    "reasons",
    "review",
    "review_reason",
)
SEARCH_COLUMNS = ("ad_key", "source", "ad_id", "posted_at", "title", "city", "state", "snippet")


def safe_cell(value: object) -> str:
    """The cell as text, defused if a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def _standing_cells(row: LeadRow) -> tuple[object, object, object]:
    """Rank in the corpus, top percent, and calibrated risk (empty until enough reviews)."""
    s = row.standing or {}
    risk = s.get("calibrated_risk")
    return s.get("rank"), s.get("top_percent"), "" if risk is None else f"{risk:.3f}"


def leads_csv(rows: Iterable[LeadRow]) -> str:
    return _csv(
        LEAD_COLUMNS,
        (
            (
                r.kind,
                r.ref,
                r.title,
                *_standing_cells(r),
                "" if r.score is None else f"{r.score:.4g}",
                r.city,
                r.state,
                r.posted_at,
                r.source,
                r.network_id,
                r.n_ads,
                " | ".join(r.reasons),
                (r.review or {}).get("status"),
                (r.review or {}).get("reason"),
            )
            for r in rows
        ),
    )


def search_csv(hits: Iterable[SearchHit]) -> str:
    return _csv(
        SEARCH_COLUMNS,
        (
            (
                h.ad_key,
                h.source,
                h.ad_id,
                h.posted_at,
                h.title,
                h.city,
                h.state,
                h.snippet.replace("\x02", "").replace("\x03", ""),
            )
            for h in hits
        ),
    )
