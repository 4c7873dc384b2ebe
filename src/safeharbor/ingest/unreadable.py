"""Stored ads that the later stages could not read are set aside before `analyze`, not fatal to it.

Ingest checks every record before storing it, so this only finds rows written some other way: by an
older version (which stored a year before 1000 as `1-01-01T…`), or by hand. Left in place, one such
row would make every `analyze` fail for every ad. It is moved, whole, to the quarantine (line 0,
with the reason) and the ad is removed; nothing derived exists for it yet, since it was never
extracted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from sqlalchemy import Connection, delete, select

from safeharbor.ingest.validate import EARLIEST, LATEST
from safeharbor.ingest.writer import set_aside
from safeharbor.storage.batching import chunks
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ads, extract_state, ingest_runs
from safeharbor.storage.times import now_iso, parse_time
from safeharbor.types import Rejected

STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _problem(posted_at: object, body: object, extra: object, images: object) -> str | None:
    if not isinstance(posted_at, str) or not STORED_TIME.fullmatch(posted_at):
        return f"its posted_at {str(posted_at)[:40]!r} is not a stored time"
    try:
        parse_time(posted_at)
    except ValueError:
        return f"its posted_at {posted_at!r} is not a valid date"
    if not EARLIEST <= posted_at <= LATEST:
        return f"its posted_at {posted_at!r} is implausible for an online ad (years 1990 to 2099)"
    if not isinstance(body, str):
        return "its body is not text"
    for name, value in (("extra", extra), ("images", images)):
        if isinstance(value, str):
            try:
                json.loads(value)
            except ValueError:
                return f"its {name} is not valid JSON"
    return None


def set_aside_unreadable_ads(store: Store) -> int:
    """Move never-extracted ads that cannot be read to the quarantine; returns how many."""
    with store.connect() as conn:
        rows = conn.execute(
            select(ads, ingest_runs.c.file)
            .outerjoin(extract_state, extract_state.c.ad_key == ads.c.ad_key)
            .outerjoin(ingest_runs, ingest_runs.c.run_id == ads.c.run_id)
            .where(extract_state.c.ad_key.is_(None))
        ).all()
    bad: list[tuple[int, Rejected]] = []
    for r in rows:
        problem = _problem(r.posted_at, r.body, r.extra, r.images)
        if problem is None:
            continue
        whole = {k: v for k, v in r._mapping.items() if k != "file"}
        raw = json.dumps(whole, ensure_ascii=False, default=str)
        reason = f"stored ad {r.source}/{r.ad_id} (version {r.version}) could not be analysed: {problem}"
        bad.append((r.ad_key, Rejected(r.file or "(store)", 0, reason, raw)))
    if not bad:
        return 0
    for part in chunks(bad):
        with store.begin() as conn:
            _move(conn, part)
    return len(bad)


def _move(conn: Connection, part: Sequence[tuple[int, Rejected]]) -> None:
    set_aside(conn, None, [rejected for _, rejected in part], now_iso())
    conn.execute(delete(ads).where(ads.c.ad_key.in_([key for key, _ in part])))
