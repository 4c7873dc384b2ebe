"""The lead queue says how many leads its filters match over all pages, and one decision can cover
every matching lead, not only the ones shown (issue 15 item 7: paging with totals, bulk review)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from safeharbor.ingest import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.storage import Store
from safeharbor.store import open_store
from safeharbor.workspace.leads import LeadFilters, lead_queue, lead_total, reviews_for, set_review
from safeharbor.workspace.tables import audit_log
from tests.ingest_support import ad, write_jsonl
from tests.test_workspace_support import client_as, csrf_of


def _ads(n: int) -> list[dict[str, object]]:
    # Distinct phones and cities so each ad is its own lead; every third one in Houston.
    return [
        ad(
            i,
            location="Houston, TX" if i % 3 == 0 else "Dallas, TX",
            body=f"Hi I'm Ava{i}. Call 214-555-01{i:02d}.",
        )
        for i in range(1, n + 1)
    ]


def _all_pages(conn: object, f: LeadFilters, size: int) -> list[str]:
    out: list[str] = []
    offset = 0
    while page := lead_queue(conn, f, limit=size, offset=offset):  # type: ignore[arg-type]
        out += [f"{r.kind}:{r.ref}" for r in page]
        offset += size
    return out


def test_the_total_counts_every_page_with_and_without_filters(any_store: Store, tmp_path: Path) -> None:
    ingest_file(any_store, write_jsonl(tmp_path / "a.jsonl", _ads(30)), workers=1)
    analyze(any_store)
    with any_store.begin() as conn:
        for f in (LeadFilters(), LeadFilters(city="Houston"), LeadFilters(reviewed="all")):
            listed = _all_pages(conn, f, 7)
            assert lead_total(conn, f) == len(listed) == len(set(listed)), f
        before = lead_total(conn, LeadFilters())
        first = lead_queue(conn, LeadFilters(), limit=2)
        for row in first:
            set_review(conn, lead_type=row.kind, lead_ref=row.ref, status="reviewed", user="ana", reason="")
        assert lead_total(conn, LeadFilters()) == before - 2  # reviewed leads leave the default queue
        assert lead_total(conn, LeadFilters(reviewed="yes")) == 2
        houston = LeadFilters(city="Houston")
        assert lead_total(conn, houston) == len(_all_pages(conn, houston, 4))


def test_one_decision_covers_every_matching_lead_and_only_those(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    ingest_file(store, write_jsonl(tmp_path / "a.jsonl", _ads(60)), workers=1)
    analyze(store)
    client = client_as(store, "reviewer")
    page = client.get("/leads?city=Houston")
    with store.connect() as conn:
        houston = {f"{r.kind}:{r.ref}" for r in lead_queue(conn, LeadFilters(city="Houston"), limit=1000)}
        total = lead_total(conn, LeadFilters())
    assert f"of {total} leads" in client.get("/leads").text
    assert f"of {len(houston)} lead" in page.text
    token = csrf_of(client)
    done = client.post(
        "/leads/review-bulk?city=Houston",
        data={"scope": "matching", "status": "reviewed", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with store.connect() as conn:
        marked = {f"ad:{k}" for k in reviews_for(conn, "ad", [r.split(":")[1] for r in houston])}
        all_marks = conn.execute(select(audit_log).where(audit_log.c.action == "lead.review_bulk")).all()
        everyone = reviews_for(conn, "ad", [str(k) for k in range(1, 61)])
    ads_in_houston = {r for r in houston if r.startswith("ad:")}
    assert marked == ads_in_houston and len(everyone) == len(ads_in_houston)  # Dallas untouched
    assert len(all_marks) == 1 and f"{len(houston)} leads" in (all_marks[0].detail or "")
    store.dispose()
