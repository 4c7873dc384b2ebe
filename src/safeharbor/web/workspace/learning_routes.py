"""Learning from review: what the ranking learnt and the re-fit action; proposed phrases and accepting
one into the catalogue (re-fit and accept: admins and analysts)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from safeharbor.score.learn import NotEnoughReviews
from safeharbor.score.model import active_model
from safeharbor.score.phrase_store import ACCEPTED, PROPOSED, corpus_catalogue, list_phrases
from safeharbor.storage.engine import Store
from safeharbor.web.deps import AccessDep, ConnDep, StoreDep
from safeharbor.web.workspace.contexts import LearningPage, PhrasesPage
from safeharbor.web.workspace.guard import Access, rule
from safeharbor.web.workspace.params import FormId
from safeharbor.web.workspace.render import render
from safeharbor.workspace.learning import learn_from_reviews, model_history, review_labels
from safeharbor.workspace.phrasebook import accept, accepted_detail, propose_phrases

router = APIRouter()


def _page(store: Store, access: Access, result: list[str], error: str | None) -> LearningPage:
    with store.connect() as conn:
        labels = review_labels(conn)
        in_use = active_model(conn, corpus_catalogue(conn)).origin
        history = model_history(conn)
    confirmed = sum(labels.values())
    return LearningPage(
        confirmed=confirmed,
        dismissed=len(labels) - confirmed,
        in_use=in_use,
        history=history,
        can_fit=access.can("model.fit"),
        result=result,
        error=error,
    )


@router.get("/learning")
@rule("model.read", "model.view", "model")
def learning_page(request: Request, access: AccessDep, store: StoreDep, conn: ConnDep) -> Response:
    return render(request, access, _page(store, access, [], None))


@router.post("/learning/fit")
@rule("model.fit", "model.fit", "model")
def learning_fit(
    request: Request, access: AccessDep, store: StoreDep, prior_sd: float | None = Form(None)
) -> Response:
    try:
        done = learn_from_reviews(store, user=access.username, prior_sd=prior_sd, audit=False)
    except NotEnoughReviews as exc:
        access.note(outcome="refused", detail=str(exc)[:200])
        return render(request, access, _page(store, access, [], str(exc)))
    report = done.report
    access.note(
        object_id=str(report.model_id),
        detail=f"{report.label}: {report.confirmed} confirmed, {report.dismissed} dismissed",
    )
    lines = report.lines() + (done.rescored.lines() if done.rescored else [])
    return render(request, access, _page(store, access, lines, None))


def _phrases(
    conn: Connection, access: Access, message: str | None, error: str | None, *, fresh: bool
) -> PhrasesPage:
    proposed = propose_phrases(conn) if fresh else list_phrases(conn, PROPOSED)
    return PhrasesPage(
        proposed=proposed,
        accepted=list_phrases(conn, ACCEPTED),
        indicators=[
            i.id for i in corpus_catalogue(conn).of_level("ad") if not i.detector or i.patterns.words
        ],
        can_accept=access.can("model.fit"),
        message=message,
        error=error,
    )


@router.get("/phrases")
@rule("model.read", "phrases.view", "phrase")
def phrases_page(request: Request, access: AccessDep, store: StoreDep) -> Response:
    with store.begin() as conn:  # proposals are recomputed from the reviews so far and stored (ids)
        context = _phrases(conn, access, None, None, fresh=True)
    return render(request, access, context)


@router.post("/phrases/accept")
@rule("model.fit", "phrase.accept", "phrase")
def phrases_accept(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    phrase_id: FormId,
    indicator: str = Form(...),
) -> Response:
    access.note(object_id=str(phrase_id))
    try:
        with store.begin() as conn:
            done = accept(conn, phrase_id, indicator=indicator, user=access.username, audit=False)
    except ValueError as exc:
        access.note(outcome="refused", detail=str(exc)[:200])
        with store.connect() as conn:
            return render(request, access, _phrases(conn, access, None, str(exc), fresh=False))
    access.note(detail=accepted_detail(done)[:200])
    message = f"Accepted “{done.phrase}” into {done.indicator}: the next analyze flags ads with it."
    with store.connect() as conn:
        return render(request, access, _phrases(conn, access, message, None, fresh=False))
