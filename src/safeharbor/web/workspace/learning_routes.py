"""Learning from review: what the ranking learnt, and the re-fit action (admins and analysts)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.learn import PRIOR_SD, NotEnoughReviews
from safeharbor.score.model import active_model
from safeharbor.storage.engine import Store
from safeharbor.web.deps import AccessDep, ConnDep, StoreDep
from safeharbor.web.workspace.contexts import LearningPage
from safeharbor.web.workspace.guard import Access, rule
from safeharbor.web.workspace.render import render
from safeharbor.workspace.learning import learn_from_reviews, model_history, review_labels

router = APIRouter()


def _page(store: Store, access: Access, result: list[str], error: str | None) -> LearningPage:
    with store.connect() as conn:
        labels = review_labels(conn)
        in_use = active_model(conn, load_catalogue()).origin
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
    request: Request, access: AccessDep, store: StoreDep, prior_sd: float = Form(PRIOR_SD)
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
