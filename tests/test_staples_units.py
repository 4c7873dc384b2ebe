"""Units behind the analyst staples (issue 15 item 7): search pages with totals on every backend,
CSV cells a spreadsheet cannot run, bulk review (one audit row, refusals logged), the timeline axis."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select

from safeharbor.ingest import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.storage import Store
from safeharbor.store import open_store
from safeharbor.web.workspace.queue_routes import BulkError, parse_leads
from safeharbor.workspace.csv_export import leads_csv, safe_cell
from safeharbor.workspace.leads import LeadRow, reviews_for
from safeharbor.workspace.netview import timeline_peak, timeline_ticks
from safeharbor.workspace.search import search
from safeharbor.workspace.tables import audit_log
from tests.ingest_support import ad, write_jsonl
from tests.test_workspace_support import client_as, csrf_of


def test_search_pages_keep_the_total_on_every_backend(any_store: Store, tmp_path: Path) -> None:
    ingest_file(any_store, write_jsonl(tmp_path / "a.jsonl", [ad(i) for i in range(1, 26)]), workers=1)
    analyze(any_store)
    with any_store.connect() as conn:
        pages = [search(conn, "town", limit=10, offset=o) for o in (0, 10, 20)]
        phone = [search(conn, "214-555-0107", limit=1, offset=o) for o in (0, 1)]
    assert [p.total for p in pages] == [25, 25, 25]
    assert [(p.first, p.last) for p in pages] == [(1, 10), (11, 20), (21, 25)]
    keys = [h.ad_key for p in pages for h in p.hits]
    assert len(keys) == len(set(keys)) == 25  # no hit twice, none missing
    assert [(p.total, len(p.hits)) for p in phone] == [(1, 1), (1, 0)]


def test_csv_cells_that_look_like_formulas_are_defused() -> None:
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+12145550134") == "'+12145550134"
    assert safe_cell("@handle") == "'@handle"
    assert safe_cell(None) == "" and safe_cell(0.5) == "0.5" and safe_cell("Dallas") == "Dallas"
    row = LeadRow("ad", "7", 7, "=cmd()", 0.81234, ["age: “16”", "movement"], "Dallas", "TX", None, "board")
    out = list(csv.reader(io.StringIO(leads_csv([row]))))
    assert out[1][:7] == ["ad", "7", "'=cmd()", "", "", "", "0.8123"] and out[1][13] == "age: “16” | movement"
    row.standing = {"rank": 3, "top_percent": 0.2, "calibrated_risk": 0.4567}
    assert list(csv.reader(io.StringIO(leads_csv([row]))))[1][3:6] == ["3", "0.2", "0.457"]


def test_bulk_lead_references_are_checked() -> None:
    assert parse_leads(["ad:1", "network:N-000002", "ad:1"]) == [("ad", "1"), ("network", "N-000002")]
    for bad in (["tip:1"], ["ad:"], ["1"]):
        try:
            parse_leads(bad)
        except BulkError:
            continue
        raise AssertionError(f"{bad} accepted")


def test_bulk_review_writes_one_row_and_refuses_a_dismissal_without_reason(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    ingest_file(store, write_jsonl(tmp_path / "a.jsonl", [ad(i) for i in range(1, 6)]), workers=1)
    analyze(store)
    client = client_as(store, "reviewer")
    token = csrf_of(client)

    def rows() -> list[tuple[str, str | None, str]]:
        with store.connect() as conn:
            found = conn.execute(select(audit_log).where(audit_log.c.action == "lead.review_bulk")).all()
        return [(r.outcome, r.object_id, r.detail) for r in found]

    leads = ["ad:1", "ad:2", "ad:3"]
    refused = client.post(
        "/leads/review-bulk", data={"lead": leads, "status": "dismissed", "csrf_token": token}
    )
    assert refused.status_code == 422 and "say why" in refused.text and "Nothing was changed" in refused.text
    none = client.post("/leads/review-bulk", data={"status": "confirmed", "csrf_token": token})
    assert none.status_code == 422
    done = client.post(
        "/leads/review-bulk",
        data={"lead": leads, "status": "dismissed", "reason": "same agency", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert [r[0] for r in rows()] == ["refused", "refused", "ok"]
    assert rows()[-1][1] == "ad:1,ad:2,ad:3"
    with store.connect() as conn:
        marks = reviews_for(conn, "ad", ["1", "2", "3", "4"])
    assert sorted(marks) == ["1", "2", "3"] and {m["reason"] for m in marks.values()} == {"same agency"}
    csv_text = client.get("/leads/export.csv?reviewed=yes").text
    assert csv_text.splitlines()[0].startswith("kind,ref") and "same agency" in csv_text
    store.dispose()


def test_timeline_axis_ticks_span_first_to_last_day() -> None:
    posted = ["2026-10-01T12:00:00Z", "2026-10-05T12:00:00Z", "2026-10-05T13:00:00Z", "2026-10-20T00:00:00Z"]
    ticks = timeline_ticks(posted)
    assert ticks[0].label == "2026-10-01" and ticks[0].x == 0 and ticks[0].anchor == "start"
    assert ticks[-1].label == "2026-10-20" and ticks[-1].x == 900 and ticks[-1].anchor == "end"
    assert [t.label for t in ticks] == sorted(t.label for t in ticks) and len(ticks) <= 6
    assert timeline_peak(posted) == 2 and timeline_ticks([]) == [] and timeline_peak([]) == 0
    assert [t.label for t in timeline_ticks(posted[:1])] == ["2026-10-01"]
