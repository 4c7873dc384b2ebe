"""Phrase proposals from reviewed leads, and accepting one into the catalogue (audited).

The documents are the labelled leads of workspace/learning.py (confirmed / dismissed / case outcomes),
each one lead's ads' titles and bodies; score/phrases.py does the counting. An accepted phrase is kept
in the store (score_phrases), never written into the shipped catalogue file, and used by the next
`analyze`; every accept is written to the audit log (`phrase.accept`).
"""

from __future__ import annotations

import re

from sqlalchemy import Connection

from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.lead_features import lead_members
from safeharbor.score.load import ad_texts
from safeharbor.score.phrase_store import StoredPhrase, accept_phrase, corpus_catalogue, save_proposals
from safeharbor.score.phrases import MIN_SUPPORT, propose
from safeharbor.workspace.audit import record
from safeharbor.workspace.learning import review_labels

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
MAX_ADS_PER_LEAD = 200  # a lead's text: enough of its ads to show its wording (a lead counts once anyway)


def lead_documents(conn: Connection) -> dict[str, tuple[str, bool]]:
    """lead_id -> (its ads' titles and bodies, confirmed) for every labelled lead."""
    labels = review_labels(conn)
    members = lead_members(conn, labels)
    keys = sorted({k for ks in members.values() for k in sorted(ks)[:MAX_ADS_PER_LEAD]})
    text = {ad.ad_key: f"{ad.title or ''}\n{ad.body or ''}" for ad in ad_texts(conn, keys)}
    return {
        lead: ("\n".join(text[k] for k in sorted(members.get(lead, [])) if k in text), confirmed)
        for lead, confirmed in labels.items()
        if lead in members
    }


def propose_phrases(conn: Connection, *, min_support: int = MIN_SUPPORT) -> list[StoredPhrase]:
    """Compute the proposals from the reviews so far and store them (ids stay while a phrase stays)."""
    proposals = propose(lead_documents(conn), corpus_catalogue(conn), min_support=min_support)
    return save_proposals(conn, proposals)


def accept(
    conn: Connection, phrase_id: int, *, indicator: str, user: str, audit: bool = True
) -> StoredPhrase:
    """Accept a proposed phrase as a pattern of `indicator` (an ad-level indicator, or a new one), and
    write the audit row (call it last in the transaction), unless the caller's access row records it
    (`audit=False`: the workspace's guard)."""
    name = indicator.strip()
    if not _NAME.match(name):
        raise ValueError("the indicator name must be lower-case letters, digits and _ (e.g. youth_language)")
    existing = load_catalogue().by_id().get(name)
    if existing is not None and existing.level != "ad":
        raise ValueError(f"{name} is a network-level indicator; phrases go into ad-level ones")
    done = accept_phrase(conn, phrase_id, indicator=name, user=user)
    if audit:
        record(
            conn,
            user=user,
            action="phrase.accept",
            object_type="phrase",
            object_id=str(phrase_id),
            outcome="ok",
            detail=accepted_detail(done),
        )
    return done


def accepted_detail(done: StoredPhrase) -> str:
    return (
        f"{done.kind} {done.phrase!r} into {done.indicator} "
        f"({done.confirmed} confirmed, {done.dismissed} dismissed)"
    )
