"""Learning from review in the workspace: reviews and case outcomes become labelled leads, re-fit, re-score.

What counts as a label, per lead of the queue (score_leads):
- a lead marked **confirmed** (indicators of a possible child victim, by the reviewer's judgement): positive;
- a lead **dismissed** with a reason: negative (an ad dismissed inside a network says nothing about the
  network's other persons, so it does not label the network);
- a case outcome on its ads (workspace/cases.py): `minor_confirmed` positive, `adult_only` negative. A
  case's outcome is the result of an investigation, so it overrides a review of the same lead.
"reviewed" (looked at, no decision) and open leads are not labels. Every fit is written to the audit log
(action `model.fit`), as every review is (`lead.review`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from safeharbor.score.catalogue import Catalogue, load_catalogue
from safeharbor.score.lead_features import Values, lead_text_documents, lead_values, leads_of_ads
from safeharbor.score.learn import LearnReport, learn
from safeharbor.score.model import active_model, catalogue_model
from safeharbor.score.phrase_store import corpus_catalogue
from safeharbor.score.review_text import fit_text_model, with_text_model
from safeharbor.score.run import ScoreSummary, update_scores
from safeharbor.score.tables import score_models
from safeharbor.storage.engine import Store
from safeharbor.workspace.audit import record
from safeharbor.workspace.tables import case_outcomes, lead_reviews

POSITIVE = "confirmed"
NEGATIVE = "dismissed"


def review_labels(conn: Connection) -> dict[str, bool]:
    """lead_id -> confirmed (True) or not (False), from reviews and case outcomes (see module doc)."""
    rows = conn.execute(
        select(lead_reviews.c.lead_type, lead_reviews.c.lead_ref, lead_reviews.c.status).where(
            lead_reviews.c.status.in_([POSITIVE, NEGATIVE]), lead_reviews.c.lead_type.in_(["ad", "network"])
        )
    ).all()
    ad_reviews = {
        int(ref): status == POSITIVE for kind, ref, status in rows if kind == "ad" and ref.isdigit()
    }
    decided = select(case_outcomes.c.ad_key, case_outcomes.c.minor_confirmed)
    outcomes = {int(k): bool(v) for k, v in conn.execute(decided)}
    lead_of = leads_of_ads(conn, set(ad_reviews) | set(outcomes))
    labels: dict[str, bool] = {}
    for kind, ref, status in rows:
        if kind == "network":
            labels[f"network:{ref}"] = status == POSITIVE
    for key, confirmed in ad_reviews.items():
        lead = lead_of.get(key)
        if lead is not None and (confirmed or lead.startswith("ad:")):
            labels[lead] = confirmed or labels.get(lead, False)
    by_case: dict[str, bool] = {}
    for key, confirmed in outcomes.items():
        lead = lead_of.get(key)
        if lead is not None:
            by_case[lead] = confirmed or by_case.get(lead, False)
    labels.update(by_case)
    return labels


def labelled_samples(
    conn: Connection, labels: dict[str, bool], catalogue: Catalogue, text_fired: dict[int, bool] | None = None
) -> dict[str, tuple[Values, bool]]:
    """lead_id -> (what its ranking score was built from, its label); `text_fired`: the review-learned
    text indicator's held-out firing on the labelled leads' ads (lead_features.lead_values)."""
    values = lead_values(conn, labels, active_model(conn, catalogue), text_fired)
    return {lead: (values[lead], label) for lead, label in labels.items() if lead in values}


@dataclass
class LearnResult:
    report: LearnReport
    rescored: ScoreSummary | None


def learn_from_reviews(
    store: Store,
    *,
    user: str,
    catalogue: Catalogue | None = None,
    prior_sd: float | None = None,
    dry_run: bool = False,
    audit: bool = True,
) -> LearnResult:
    """Re-fit the weights from every labelled lead, store them as a model version, re-score, and write
    the audit row (`audit=False` when the caller's access row records it: the workspace's guard).
    `prior_sd` None: the prior's strength is chosen from the reviews (score/learn.py, choose_prior_sd).

    Raises score.learn.NotEnoughReviews when there are too few confirmed or dismissed leads."""
    with store.connect() as conn:  # with the phrases accepted in this store, as scoring uses it
        cat = corpus_catalogue(conn, catalogue or load_catalogue())
    update_scores(store, catalogue=cat)  # every reviewed lead scored, with its current evidence
    with store.connect() as conn:
        labels = review_labels(conn)
        # The text model learnt from the reviewed leads' ads (score/review_text.py) becomes one more
        # ad-level indicator; its weight is fitted below on held-out firing, like any other evidence.
        text = fit_text_model(lead_text_documents(conn, labels))
        params = text.model.params() if text.model else None
        cat = with_text_model(cat, params)
        samples = labelled_samples(conn, labels, cat, text.held_out)
    report = learn(
        store,
        samples,
        cat,
        by=user,
        base=catalogue_model(cat),
        prior_sd=prior_sd,
        activate=not dry_run,
        text_model=params,
        text_note=text.reason,
    )
    if audit:
        with store.begin() as conn:
            record(
                conn,
                user=user,
                action="model.fit",
                object_type="model",
                object_id=str(report.model_id),
                outcome="ok",
                detail=f"{report.label}: {report.confirmed} confirmed, {report.dismissed} dismissed"
                + ("; not in use (dry run)" if dry_run else ""),
            )
    rescored = None if dry_run else update_scores(store, catalogue=cat)
    return LearnResult(report, rescored)


def model_history(conn: Connection, limit: int = 10) -> list[dict[str, object]]:
    """The newest model versions: id, when, whether in use, and what they were fitted on."""
    rows = conn.execute(select(score_models).order_by(score_models.c.model_id.desc()).limit(limit))
    return [
        {
            "model_id": r.model_id,
            "created_at": r.created_at,
            "active": bool(r.active),
            "label": (r.report or {}).get("label") or "fitted from case outcomes (`safeharbor train`)",
            "by": (r.report or {}).get("by"),
        }
        for r in rows
    ]
