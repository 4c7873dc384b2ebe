"""The lead queue's filters and total read per-lead facets (score_lead_facets: one row per lead and
state, city and source, with its first and last posting), not every ad of a state (issue 14 item 5).
They must list exactly the leads that have a matching ad, on both databases, and stay right when a
later batch re-scores some leads."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from safeharbor.ingest import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.score.lead_table import lead_facets
from safeharbor.score.leads import QueueFilters, count_leads, lead_queue
from safeharbor.score.tables import FACET_COLUMNS, score_lead_ads, score_lead_facets
from safeharbor.storage import Store
from tests.ingest_support import ad, write_jsonl

PLACES = ["Houston, TX", "Dallas, TX", "Tulsa, OK", "Austin, TX"]


def _batch(first: int, n: int, *, day0: int = 1) -> list[dict[str, Any]]:
    """Ads in a few networks (shared phones) and some standing alone, across places, days and sources."""
    out = []
    for i in range(first, first + n):
        shared = i % 3 != 0  # two of three ads share one of four phones: networks across places
        phone = f"214-555-01{(i % 4) + 10:02d}" if shared else f"469-555-01{i % 100:02d}"
        out.append(
            ad(
                i,
                location=PLACES[(i * 7) % len(PLACES)],
                source="example-board" if i % 2 else "example-list",
                posted_at=f"2026-10-{((i * 5 + day0) % 28) + 1:02d}T{(i % 24):02d}:00:00Z",
                body=f"Hi I'm {'Ava' if shared else f'Zoe{i}'}. Call {phone}. New in town.",
            )
        )
    return out


def _expected(conn: Connection, f: QueueFilters) -> set[str]:
    """The leads with at least one matching ad that is not excluded, read ad by ad."""
    m = score_lead_ads.c
    keep: set[str] = set()
    for row in conn.execute(select(m.lead_id, m.ad_key, m.posted_at, m.source, m.city_key, m.state)):
        if row.ad_key in f.exclude_keys or row.lead_id in f.exclude_leads:
            continue
        if f.city and row.city_key != f.city.lower():
            continue
        if f.state and row.state != f.state:
            continue
        if f.source and row.source != f.source:
            continue
        if f.since and (row.posted_at is None or row.posted_at < str(f.since)):
            continue
        if f.until and (row.posted_at is None or row.posted_at > str(f.until)):
            continue
        keep.add(row.lead_id)
    return keep


FILTERS = [
    QueueFilters(state="TX"),
    QueueFilters(city="Tulsa"),
    QueueFilters(source="example-list", state="OK"),
    QueueFilters(since="2026-10-20T00:00:00Z"),
    QueueFilters(until="2026-10-05T23:59:59Z", state="TX"),
    # two-sided windows: a lead's ads may straddle them with none inside (read per ad for those)
    QueueFilters(since="2026-10-10T00:00:00Z", until="2026-10-12T23:59:59Z"),
    QueueFilters(state="TX", since="2026-10-03T00:00:00Z", until="2026-10-03T23:59:59Z"),
    QueueFilters(city="Houston", since="2026-10-01T00:00:00Z", until="2026-10-28T23:59:59Z"),
]


def _check(conn: Connection, excluded: Iterable[int] = ()) -> None:
    for f in FILTERS:
        f = QueueFilters(**{**f.__dict__, "exclude_keys": frozenset(excluded)})
        want = _expected(conn, f)
        listed = [f"{lead.kind}:{lead.id}" for lead in lead_queue(conn, **_kwargs(f), limit=10_000)]
        assert set(listed) == want and len(listed) == len(want), f
        assert count_leads(conn, f) == len(want), f


def _kwargs(f: QueueFilters) -> dict[str, Any]:
    return {
        "city": f.city,
        "state": f.state,
        "since": f.since,
        "until": f.until,
        "source": f.source,
        "exclude_keys": f.exclude_keys,
        "exclude_leads": f.exclude_leads,
    }


def _facets_from_members(conn: Connection) -> list[tuple[Any, ...]]:
    """The facets as recomputed from every stored lead member (what the table must hold)."""
    members: dict[str, list[tuple[Any, ...]]] = {}
    m = score_lead_ads.c
    for row in conn.execute(select(m.ad_key, m.lead_id, m.posted_at, m.source, m.city_key, m.state)):
        members.setdefault(row.lead_id, []).append(tuple(row))
    return sorted((f for lead, rows in members.items() for f in lead_facets(lead, rows)), key=str)


def _stored_facets(conn: Connection) -> list[tuple[Any, ...]]:
    columns = [score_lead_facets.c[c] for c in FACET_COLUMNS]
    return sorted((tuple(r) for r in conn.execute(select(*columns))), key=str)


def test_facets_list_exactly_the_leads_with_a_matching_ad(any_store: Store, tmp_path: Path) -> None:
    ingest_file(any_store, write_jsonl(tmp_path / "a.jsonl", _batch(1, 90)), workers=1)
    analyze(any_store)
    with any_store.connect() as conn:
        assert _stored_facets(conn) == _facets_from_members(conn)
        assert conn.execute(select(func.count()).select_from(score_lead_facets)).scalar_one() > 0
        _check(conn)
        some = list(conn.execute(select(score_lead_ads.c.ad_key).limit(25)).scalars())
        _check(conn, excluded=some)  # a lead holding an excluded ad is checked ad by ad


def test_a_later_batch_keeps_the_facets_in_step(any_store: Store, tmp_path: Path) -> None:
    ingest_file(any_store, write_jsonl(tmp_path / "a.jsonl", _batch(1, 60)), workers=1)
    analyze(any_store)
    # New ads join the networks (same phones) in other places and days, and new ads stand alone.
    ingest_file(any_store, write_jsonl(tmp_path / "b.jsonl", _batch(61, 40, day0=3)), workers=1)
    analyze(any_store)
    with any_store.connect() as conn:
        assert _stored_facets(conn) == _facets_from_members(conn)
        _check(conn)


def test_lead_facets_group_members_by_place_and_source() -> None:
    members = [
        (1, "network:N-1", "2026-10-02T00:00:00Z", "s", "houston", "TX"),
        (2, "network:N-1", "2026-10-09T00:00:00Z", "s", "houston", "TX"),
        (3, "network:N-1", None, "s", "houston", "TX"),
        (4, "network:N-1", "2026-10-05T00:00:00Z", "t", None, None),
    ]
    assert sorted(lead_facets("network:N-1", members), key=str) == [
        ("network:N-1", "TX", "houston", "s", "2026-10-02T00:00:00Z", "2026-10-09T00:00:00Z", 3),
        ("network:N-1", None, None, "t", "2026-10-05T00:00:00Z", "2026-10-05T00:00:00Z", 1),
    ]
