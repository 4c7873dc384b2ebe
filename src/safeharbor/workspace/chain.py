"""The audit log's hash chain: how one row's hash is computed (pure; no database here).

row_hash = SHA-256 over the canonical JSON of the row's content, its seq and the previous row's hash.
Changing any field, removing a row, inserting one or swapping two breaks the chain at that row, and
`safeharbor audit verify` names it.
"""

from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64
CHAINED_FIELDS = ("seq", "at", "user", "action", "object_type", "object_id", "outcome", "detail")


def row_digest(prev_hash: str, values: dict[str, object]) -> str:
    content = [values.get(name) for name in CHAINED_FIELDS]
    payload = json.dumps([prev_hash, *content], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()
