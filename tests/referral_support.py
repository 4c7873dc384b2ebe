"""A store for the referral tests: demo ads plus two ads whose evidence is written in emoji and
full-width digits, linked into one network by that phone, and a hotel-staff tip that names the phone.

No tests here; imported by test_referral*.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from safeharbor.demo import generate
from safeharbor.ingest import ingest_file
from safeharbor.link.queries import networks_for_ads
from safeharbor.pipeline import analyze
from safeharbor.storage.schema import ads
from safeharbor.store import Store, open_store
from safeharbor.tips import parse_tip_form, submit_tip

WIDE_PHONE = "８５７-５５５-０１９９"  # a fictional 555-01xx number, written in full-width digits
EMOJI = "🍭🎀"
ROOM = "214"
SOURCE = "testboard-example"
LONG_SOURCE = "longboard-example"  # one ad with a 20,000-character token (a page must still fit)


@dataclass(frozen=True, slots=True)
class ReferralWorld:
    store: Store
    ad_keys: list[int]  # the two full-width ads
    network_id: str
    tip_id: int
    reference: str


def _wide_ads(posted_on: str) -> list[dict[str, object]]:
    bodies = [
        f"New in town {EMOJI} sweet and fun. Call {WIDE_PHONE} now, hotel incall. Kisses 💋",
        f"Just arrived {EMOJI} young and fresh, ask for Lulu. Text {WIDE_PHONE}, outcall only 🚗",
    ]
    return [
        {
            "id": f"tb-{n}",
            "source": SOURCE,
            "url": f"https://testboard.example.com/boston/tb-{n}",
            "posted_at": f"{posted_on}T2{n}:15:00Z",
            "location": "Boston, MA",
            "title": f"Lulu {EMOJI} {WIDE_PHONE}",
            "body": body,
            "images": [],
        }
        for n, body in enumerate(bodies)
    ]


def _long_ad(posted_on: str) -> dict[str, object]:
    return {
        "id": "lb-1",
        "source": LONG_SOURCE,
        "url": "https://longboard.example.com/boston/lb-1",
        "posted_at": f"{posted_on}T12:00:00Z",
        "location": "Boston, MA",
        "title": "A very long word",
        "body": "Read this: " + "x" * 20000 + " and that is all.",
        "images": [],
    }


def referral_world(folder: Path, n_ads: int = 160) -> ReferralWorld:
    summary = generate(folder / "data", n_ads, 11, images=False)
    with open(summary.ads_path, "a", encoding="utf-8") as out:
        for ad in [*_wide_ads("2026-08-20"), _long_ad("2026-08-19")]:
            out.write(json.dumps(ad, ensure_ascii=False) + "\n")
    store = open_store(str(folder / "safeharbor.db"))
    ingest_file(store, summary.ads_path, workers=1)
    analyze(store)
    with store.connect() as conn:
        keys = sorted(conn.execute(select(ads.c.ad_key).where(ads.c.source == SOURCE)).scalars())
        network_id = networks_for_ads(conn, keys)[keys[0]]
    form = {
        "role": "front_desk",
        "what_seen": "A man paid cash nightly for a room where a young girl stayed; she never spoke.",
        "city": "Boston",
        "state": "MA",
        "seen_on": "2026-08-21",
        "seen_time": "22:40",
        "phones": "(857) 555-0199",
        "room": ROOM,
        "vehicle": "grey minivan",
        "apparent_age": "12_14",
        "signs": ["cash_daily", "checked_in_by_adult"],
    }
    parsed = parse_tip_form(form, variant="hotel", today=date(2026, 8, 22))
    assert parsed.tip is not None, parsed.errors
    receipt = submit_tip(store, parsed.tip)
    return ReferralWorld(store, keys, network_id, receipt.tip_id, receipt.reference)
