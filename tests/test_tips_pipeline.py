"""A hotel-staff tip about a demo network links to that network, through the real pipeline.

demo corpus -> ingest -> analyze (extract, link, score) -> submit_tip -> get_tip().matches.
Skipped while a stage it needs has not landed.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from safeharbor.link.queries import networks_for_ads
from safeharbor.store import open_store
from safeharbor.tips import get_tip, parse_tip_form, submit_tip


def test_hotel_tip_links_to_the_demo_network(tmp_path: Path) -> None:
    demo = pytest.importorskip("safeharbor.demo")
    ingest_run = pytest.importorskip("safeharbor.ingest.run")
    pipeline = pytest.importorskip("safeharbor.pipeline")
    pytest.importorskip("safeharbor.link.run")

    demo.generate(tmp_path, 300, 11, images=False)
    store = open_store(str(tmp_path / "demo.db"))
    try:
        ingest_run.ingest_file(store, tmp_path / "ads.jsonl", workers=1, hash_images=False)
        pipeline.analyze(store)
        truth = [json.loads(line) for line in (tmp_path / "truth.jsonl").open()]
        meta = json.loads((tmp_path / "meta.json").read_text())
        shared = {v for item in meta.get("shared_identifiers", []) for v in item.get("values", [])}
        shared |= {item.get("value") for item in meta.get("shared_identifiers", [])}
        # A network operator with a phone of its own, seen in one city on one day.
        by_op = Counter(t["operator"] for t in truth if t["operator_kind"] == "network")
        chosen = next(
            t for t in truth
            if t["operator_kind"] == "network" and by_op[t["operator"]] >= 3 and t["city"]
            and [p for p in t["phones"] if p not in shared]
        )  # fmt: skip
        phone = next(p for p in chosen["phones"] if p not in shared)
        seen_on = date.fromisoformat(chosen["posted_at"][:10])
        form = {
            "role": "front_desk",
            "what_seen": "A man paid cash nightly for a room where a young girl stayed; she never spoke.",
            "city": chosen["city"],
            "state": chosen["state"],
            "seen_on": seen_on.isoformat(),
            "phones": phone,
            "room": "118",
        }
        parsed = parse_tip_form(form, variant="hotel", today=seen_on)
        assert parsed.tip is not None, parsed.errors
        receipt = submit_tip(store, parsed.tip)
        with store.connect() as conn:
            tip = get_tip(conn, receipt.tip_id)
            from sqlalchemy import select

            from safeharbor.storage.schema import ads

            keys_by_id = {
                (r.source, r.ad_id): r.ad_key
                for r in conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id))
            }
            op_keys = [
                keys_by_id[(t["source"], t["id"])] for t in truth if t["operator"] == chosen["operator"]
            ]
            networks = networks_for_ads(conn, op_keys)
        # The network the link stage put the sighted ad in (an operator's ads may span several networks
        # when it changes phones between cities; the tip should point at the one with this phone).
        expected = networks.get(keys_by_id[(chosen["source"], chosen["id"])])
        assert expected is not None, "the link stage left the sighted ad standing alone"
        assert tip is not None and tip.matches
        top = tip.matches[0]
        assert top.network_id == expected and top.strength == "strong" and top.basis == "phone"
        assert phone in top.reason and chosen["city"] in top.reason
    finally:
        store.dispose()
