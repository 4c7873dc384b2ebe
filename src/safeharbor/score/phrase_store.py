"""Proposed and accepted phrases in the store (score_phrases), and the catalogue every scoring run uses.

`corpus_catalogue` is the catalogue file plus the phrases analysts accepted in this store: accepting a
phrase never edits the shipped catalogue.yaml. The next `analyze` re-matches the indicators whose
patterns changed (the scoring plan compares each indicator's pattern hash), so an accepted phrase flags
ads, with its span, from then on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from safeharbor.score.catalogue import Catalogue, load_catalogue
from safeharbor.score.phrases import Accepted, Proposal, with_accepted
from safeharbor.score.review_text import with_text_model
from safeharbor.score.tables import score_models, score_phrases
from safeharbor.storage.times import now_iso

PROPOSED = "proposed"
ACCEPTED = "accepted"


@dataclass(frozen=True)
class StoredPhrase:
    phrase_id: int
    phrase: str
    kind: str
    status: str
    confirmed: int
    dismissed: int
    score: float
    indicator: str | None
    decided_by: str | None
    decided_at: str | None


def _stored(row: object) -> StoredPhrase:
    m = row._mapping  # type: ignore[attr-defined]
    return StoredPhrase(
        phrase_id=int(m["phrase_id"]),
        phrase=m["phrase"],
        kind=m["kind"],
        status=m["status"],
        confirmed=int(m["confirmed"]),
        dismissed=int(m["dismissed"]),
        score=float(m["score"]),
        indicator=m["indicator"],
        decided_by=m["decided_by"],
        decided_at=m["decided_at"],
    )


def accepted_phrases(conn: Connection) -> list[Accepted]:
    rows = conn.execute(
        select(score_phrases)
        .where(score_phrases.c.status == ACCEPTED)
        .order_by(score_phrases.c.decided_at, score_phrases.c.phrase_id)
    )
    return [Accepted(r.phrase, r.kind, r.indicator, r.decided_by or "") for r in rows]


def text_model_params(conn: Connection, catalogue: Catalogue) -> dict[str, object] | None:
    """The review-learned text model of the model version in use (score/review_text.py), if it was
    fitted against these catalogue weights (as `model.active_model` decides for the weights)."""
    row = conn.execute(
        select(score_models.c.catalogue_weights_hash, score_models.c.report)
        .where(score_models.c.active.is_(True))
        .order_by(score_models.c.model_id.desc())
        .limit(1)
    ).first()
    if row is None or row.catalogue_weights_hash != catalogue.weights_hash():
        return None
    params = (row.report or {}).get("text_model")
    return dict(params) if params else None


def corpus_catalogue(conn: Connection, catalogue: Catalogue | None = None) -> Catalogue:
    """The catalogue (given, or the configured file) with this store's accepted phrases added, and the
    text model learnt from its reviews when the model in use has one."""
    found = with_accepted(catalogue or load_catalogue(), accepted_phrases(conn))
    return with_text_model(found, text_model_params(conn, found))


def save_proposals(conn: Connection, proposals: Sequence[Proposal]) -> list[StoredPhrase]:
    """Replace the open proposals with these (a phrase keeps its id while it stays proposed; accepted
    phrases are not proposed again); returns them, strongest first."""
    existing = {r.phrase: r for r in conn.execute(select(score_phrases))}
    wanted = {
        p.phrase: p for p in proposals if p.phrase not in existing or existing[p.phrase].status == PROPOSED
    }
    stale = [r.phrase_id for r in existing.values() if r.status == PROPOSED and r.phrase not in wanted]
    if stale:
        conn.execute(delete(score_phrases).where(score_phrases.c.phrase_id.in_(stale)))
    at = now_iso()
    for p in wanted.values():
        values = {"confirmed": p.confirmed, "dismissed": p.dismissed, "score": p.score, "kind": p.kind}
        if p.phrase in existing:
            conn.execute(update(score_phrases).where(score_phrases.c.phrase == p.phrase).values(**values))
        else:
            conn.execute(
                score_phrases.insert().values(phrase=p.phrase, status=PROPOSED, proposed_at=at, **values)
            )
    return list_phrases(conn, PROPOSED)


def list_phrases(conn: Connection, status: str) -> list[StoredPhrase]:
    query = select(score_phrases).where(score_phrases.c.status == status)
    order = (
        (score_phrases.c.score.desc(), score_phrases.c.phrase)
        if status == PROPOSED
        else (score_phrases.c.decided_at.desc(), score_phrases.c.phrase_id.desc())
    )
    return [_stored(r) for r in conn.execute(query.order_by(*order))]


def get_phrase(conn: Connection, phrase_id: int) -> StoredPhrase | None:
    row = conn.execute(select(score_phrases).where(score_phrases.c.phrase_id == phrase_id)).first()
    return _stored(row) if row else None


def accept_phrase(conn: Connection, phrase_id: int, *, indicator: str, user: str) -> StoredPhrase:
    """Mark a proposed phrase accepted into `indicator` (an ad-level indicator id, or a new one)."""
    found = get_phrase(conn, phrase_id)
    if found is None:
        raise ValueError(f"no proposed phrase #{phrase_id} (run `safeharbor phrases propose`)")
    if found.status == ACCEPTED and found.indicator == indicator:
        return found  # accepting twice into the same indicator changes nothing
    if found.status != PROPOSED:
        raise ValueError(f"phrase #{phrase_id} {found.phrase!r} was already accepted into {found.indicator}")
    conn.execute(
        update(score_phrases)
        .where(score_phrases.c.phrase_id == phrase_id)
        .values(status=ACCEPTED, indicator=indicator, decided_by=user, decided_at=now_iso())
    )
    accepted = get_phrase(conn, phrase_id)
    assert accepted is not None
    return accepted
