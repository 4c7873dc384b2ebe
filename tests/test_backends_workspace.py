"""The analyst side on every backend: SQLite file, and PostgreSQL when SAFEHARBOR_TEST_PG is set."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from safeharbor.demo import generate
from safeharbor.ingest import ingest_file
from safeharbor.link.queries import list_networks, network_graph, network_record, why_linked
from safeharbor.pipeline import analyze
from safeharbor.score.leads import lead_queue
from safeharbor.storage import Store
from safeharbor.storage.schema import ad_places, extractions
from safeharbor.tips import get_tip, submit_tip
from safeharbor.tips.model import TipInput, TipPlace
from safeharbor.workspace import audit
from safeharbor.workspace.accounts import ensure_demo_accounts
from safeharbor.workspace.search import search
from safeharbor.workspace.signin import authenticate


@pytest.fixture
def analysed(any_store: Store, tmp_path: Path) -> Store:
    demo = generate(tmp_path / "demo", 400, 21, images=False)
    ingest_file(any_store, demo.ads_path)
    analyze(any_store)
    return any_store


def test_search_leads_networks_tips_and_audit(analysed: Store) -> None:
    store = analysed
    with store.connect() as conn:
        phone, ad_key = conn.execute(
            select(extractions.c.value, extractions.c.ad_key).where(extractions.c.kind == "phone").limit(1)
        ).one()
        assert search(conn, "available").hits
        spaced = f"{phone[2:5]} {phone[5:8]} {phone[8:]}"
        assert ad_key in {hit.ad_key for hit in search(conn, spaced).hits}
        assert lead_queue(conn, limit=10)
        network = list_networks(conn, limit=1, offset=0)[0]
        assert network_record(conn, network.id) is not None
        assert network_graph(conn, network.id).edges
        a, b = network.ad_keys[0], network.ad_keys[-1]
        assert a == b or why_linked(conn, a, b)
        city, state = conn.execute(
            select(ad_places.c.city, ad_places.c.state).where(ad_places.c.ad_key == ad_key)
        ).one()
    receipt = submit_tip(
        store,
        TipInput(
            variant="hotel",
            role="front_desk",
            what_seen="A young girl with an older man, room paid in cash.",
            seen_on=date(2026, 10, 1),
            where=TipPlace(city=city, state=state, place="Airport hotel"),
            phones=(phone,),
        ),
    )
    with store.begin() as conn:
        tip = get_tip(conn, receipt.tip_id)
        assert tip is not None and any(m.basis == "phone" for m in tip.matches)
        audit.record(
            conn,
            user="demo-analyst",
            action="tip.read",
            object_type="tip",
            object_id=str(receipt.tip_id),
            outcome="allowed",
        )
    with store.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE audit_log SET outcome = 'denied'"))


def test_demo_accounts_sign_in(analysed: Store) -> None:
    import pyotp

    accounts = {a.role: a for a in ensure_demo_accounts(analysed)}
    analyst = accounts["analyst"]
    result = authenticate(
        analysed, analyst.username, analyst.password, pyotp.TOTP(analyst.totp_secret or "").now()
    )
    assert result.ok
