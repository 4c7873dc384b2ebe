"""A flood of junk tips cannot keep real reporters out (issue 16, M5).

The attack: junk tips from hundreds of addresses filled the site-wide cap in seconds, and every real
reporter then got 429 for the rest of the window. Now the cap puts the site in a degraded mode:
tips from a network prefix that has already sent its share are stored *held for review* (out of the
analysts' main list), while a reporter from another prefix still gets through as usual; only a
single address over its own limit, or a full held queue, is refused.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from safeharbor.storage import Store
from safeharbor.tips import RateLimiter, count_tips, list_tips
from safeharbor.tips.ratelimit import address_prefix
from safeharbor.web.app import create_app
from safeharbor.web.workspace.guard import CSRF_FIELD
from tests.test_public_pages import HOTEL_FORM, good_hotel_tip, token
from tests.test_workspace_support import csrf_of, make_account, sign_in


@pytest.fixture()
def app(any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.setenv("SAFEHARBOR_TIP_SPOOL", str(tmp_path / "spool"))
    app = create_app(any_store)
    # Small limits, same shape as the defaults (5 per address, 10 per prefix, 300 site-wide).
    app.state.tip_rate_limiter = RateLimiter(per_client=3, per_prefix=4, site_wide=20, held_cap=30)
    yield app


def _send(app: FastAPI, address: str, n: int) -> int:
    client = TestClient(app, client=(address, 40000))
    form = good_hotel_tip(token(client.get(HOTEL_FORM).text))
    form["what_seen"] = f"{form['what_seen']} (report {n} from {address})"  # distinct: not a repeat
    return int(client.post("/report/hotel", data=form, follow_redirects=False).status_code)


def test_junk_from_many_addresses_is_held_and_real_reporters_still_get_through(
    app: FastAPI, any_store: Store
) -> None:
    junk = [f"10.66.{i % 2}.{i // 2 + 1}" for i in range(48)]  # 48 addresses in two /24s
    answers = Counter(_send(app, address, i) for i, address in enumerate(junk))
    limiter: RateLimiter = app.state.tip_rate_limiter
    # Each /24 got its share in as new tips; the rest was held (not refused) until the held queue was full.
    assert answers[303] == 2 * limiter.per_prefix + limiter.held_cap
    assert answers[429] == len(junk) - answers[303]
    # Real reporters from other networks: thanks page, stored as new tips, in the analysts' main list.
    for i, address in enumerate(("192.0.2.10", "198.51.100.7", "203.0.113.99", "2001:db8:77::5")):
        assert _send(app, address, 100 + i) == 303
    with any_store.connect() as conn:
        assert count_tips(conn, held=True) == limiter.held_cap
        main = list_tips(conn, limit=100, with_matches=False)
    assert len(main) == 2 * limiter.per_prefix + 4
    assert sum("from 10.66." in t.what_seen for t in main) == 2 * limiter.per_prefix


def test_degraded_mode_holds_repeat_prefixes_but_lets_fresh_ones_in(app: FastAPI, any_store: Store) -> None:
    limiter: RateLimiter = app.state.tip_rate_limiter
    for i in range(limiter.site_wide):  # a busy day: many networks, one tip each
        assert _send(app, f"10.{i}.0.1", i) == 303
    assert limiter.degraded
    assert _send(app, "10.0.0.2", 50) == 303  # a second tip from a /24 that has sent: held
    assert _send(app, "172.16.5.5", 51) == 303  # a first tip from a new /24: a new tip
    with any_store.connect() as conn:
        held = list_tips(conn, held=True, with_matches=False)
        assert [t.what_seen.endswith("(report 50 from 10.0.0.2)") for t in held] == [True]
        assert count_tips(conn, held=False) == limiter.site_wide + 1


def test_held_tips_page_lists_them_apart_and_an_analyst_can_release_one(
    app: FastAPI, any_store: Store
) -> None:
    for i in range(6):  # one /24: 4 new, then held
        assert _send(app, f"10.7.7.{i + 1}", i) == 303
    client = TestClient(app)
    assert sign_in(client, make_account(any_store, "analyst")) == 303
    main, held = client.get("/tips").text, client.get("/tips?held=1").text
    assert "2 held for review" in main and "Tips held for review" in held
    with any_store.connect() as conn:
        tip_id = list_tips(conn, held=True, with_matches=False)[0].id
    answer = client.post(
        f"/tips/{tip_id}/status", data={"status": "new", CSRF_FIELD: csrf_of(client)}, follow_redirects=False
    )
    assert answer.status_code == 303
    with any_store.connect() as conn:
        assert count_tips(conn, held=True) == 1


def test_limiter_counts_exactly_under_concurrent_requests() -> None:
    limiter = RateLimiter(per_client=1000, per_prefix=10, site_wide=100, held_cap=25)
    barrier = threading.Barrier(40)

    def burst(i: int) -> list[str]:
        barrier.wait()
        return [limiter.decide(f"10.{i % 8}.0.{i}") for _ in range(5)]

    with ThreadPoolExecutor(max_workers=40) as pool:
        decisions = Counter(d for batch in pool.map(burst, range(40)) for d in batch)
    assert decisions == {"accept": 8 * 10, "hold": 25, "refuse": 200 - 80 - 25}


def test_prefixes_group_ipv4_by_24_and_ipv6_by_56() -> None:
    assert address_prefix("10.1.2.3", 24, 56) == address_prefix("10.1.2.250", 24, 56) == "10.1.2.0/24"
    assert address_prefix("::ffff:10.1.2.3", 24, 56) == "10.1.2.0/24"
    assert address_prefix("2001:db8:0:12ff::1", 24, 56) == "2001:db8:0:1200::/56"
    assert address_prefix("testclient") == "testclient" and address_prefix(None) == "unknown"
