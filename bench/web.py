"""Workspace latency on 100k demo ads: p50/p95 of the lead queue, search and network pages.

Builds the corpus once through the real pipeline (demo-data -> ingest -> analyze) and caches the
database under var/bench/; then starts a real uvicorn server on 127.0.0.1 and times bounded loops
of requests with httpx as a signed-in analyst. Target: p95 < 300 ms on this machine.

    .venv/bin/python bench/web.py [--ads 100000] [--requests 40]
    .venv/bin/python bench/web.py --db /tmp/safeharbor-bench/scale-1150000-XXXX/scale.db   # a kept store
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import threading
import time
from pathlib import Path

import httpx
import pyotp
import uvicorn
from sqlalchemy import select

from safeharbor.link.queries import list_networks
from safeharbor.storage.schema import ads, extractions
from safeharbor.store import Store, open_store
from safeharbor.web.app import create_app
from safeharbor.workspace.accounts import ensure_demo_accounts

BENCH_DIR = Path("var/bench")


def build(n_ads: int) -> Store:
    db = BENCH_DIR / f"web-{n_ads}.db"
    ready = BENCH_DIR / f"web-{n_ads}.ready"
    from safeharbor.demo import generate
    from safeharbor.ingest import ingest_file
    from safeharbor.pipeline import analyze

    if db.exists() and ready.exists():
        print(f"using cached {db}; bringing it up to date (safeharbor analyze)")
        store = open_store(str(db))
        t0 = time.perf_counter()
        analyze(store)  # incremental: does nothing unless a stage changed since the cache was built
        print(f"analysed in {time.perf_counter() - t0:.0f} s")
        return store

    for stale in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
        stale.unlink(missing_ok=True)
    t0 = time.perf_counter()
    summary = generate(BENCH_DIR / f"data-{n_ads}", n_ads, 7, images=True)
    print(f"generated {n_ads:,} ads in {time.perf_counter() - t0:.0f} s")
    store = open_store(str(db))
    t0 = time.perf_counter()
    ingest_file(store, summary.ads_path)
    print(f"ingested in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    analyze(store)
    print(f"analysed in {time.perf_counter() - t0:.0f} s")
    ready.write_text("ok\n")
    return store


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ads", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="requests per page kind (bounded)")
    parser.add_argument(
        "--db",
        help="an analysed store to time instead of building one (a SQLite path or a postgresql:// URL), "
        "e.g. the 1M store `bench/scale.py --keep` leaves",
    )
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    store = open_store(args.db) if args.db else build(args.ads)
    analyst = next(a for a in ensure_demo_accounts(store) if a.role == "analyst")
    with store.connect() as conn:
        n = conn.execute(select(ads.c.ad_key).order_by(ads.c.ad_key.desc()).limit(1)).scalar_one()
        phones = list(
            conn.execute(
                select(extractions.c.value).where(extractions.c.kind == "phone").distinct().limit(20)
            ).scalars()
        )
        nets = [x.id for x in list_networks(conn, limit=20)]
    print(f"{n:,} ads, {len(nets)} networks sampled")

    port = _port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    words = ["young", "new in town", "upscale", "available now", "sweet", "visiting"]
    with httpx.Client(base_url=base, timeout=30) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token and analyst.totp_secret
        signed = client.post(
            "/login",
            data={
                "username": analyst.username,
                "password": analyst.password,
                "code": pyotp.TOTP(analyst.totp_secret).now(),
                "csrf_token": token.group(1),
            },
        )
        assert signed.status_code in (200, 303), signed.status_code
        plans: dict[str, list[str]] = {
            "lead queue": [f"/leads?offset={50 * (i % 4)}" for i in range(args.requests)],
            "lead queue (filtered)": [
                "/leads?state=TX&since=2026-09-01&reviewed=all" for _ in range(args.requests)
            ],
            "search text": [f"/search?q={words[i % len(words)]}" for i in range(args.requests)],
            "search text, page 2": [
                f"/search?q={words[i % len(words)]}&offset=100" for i in range(args.requests)
            ],
            "alerts": ["/alerts" for _ in range(args.requests)],
            "search phone": [f"/search?q={phones[i % len(phones)]}" for i in range(args.requests)]
            if phones
            else [],
            "ad page": [f"/ads/{1 + (i * 7919) % n}" for i in range(args.requests)],
            "network page": [f"/networks/{nets[i % len(nets)]}" for i in range(args.requests)]
            if nets
            else [],
            "network graph": [f"/api/networks/{nets[i % len(nets)]}/graph" for i in range(args.requests)]
            if nets
            else [],
            # the network page's templates panel: its own request since the page loads it after itself
            "network templates": [f"/networks/{nets[i % len(nets)]}/templates" for i in range(args.requests)]
            if nets
            else [],
        }
        print(f"{'page':24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        deadline = time.monotonic() + 600  # the whole measurement stops by itself
        for name, paths in plans.items():
            times: list[float] = []
            for path in paths:
                if time.monotonic() > deadline:
                    break
                t0 = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            if times:
                print(
                    f"{name:24} {len(times):>4} {statistics.median(times):>8.1f} {_pct(times, 0.95):>8.1f} "
                    f"{max(times):>8.1f}"
                )
    server.should_exit = True
    thread.join(timeout=10)


if __name__ == "__main__":
    main()
