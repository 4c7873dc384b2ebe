"""Learning from review: `learn` (re-fit weights from the workspace's reviews and case outcomes)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from safeharbor.cli.options import DbOption
from safeharbor.score.catalogue import CatalogueError, load_catalogue
from safeharbor.score.learn import PRIOR_SD, NotEnoughReviews
from safeharbor.store import open_store
from safeharbor.workspace.learning import learn_from_reviews

console = Console()
ACTOR = "cli"


def learn(
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fit and report, store the model, but keep the weights in use.")
    ] = False,
    prior_sd: Annotated[
        float,
        typer.Option(
            min=0.05,
            help="How far (log-odds) a weight may move from the catalogue's: the prior's standard deviation.",
        ),
    ] = PRIOR_SD,
) -> None:
    """Re-fit the indicator weights that rank the lead queue from the analysts' reviews, then re-score.

    Learns from leads marked Confirmed or Dismissed in the workspace and from case outcomes (a child
    victim identified / adults only). Weights stay close to the catalogue's (a strong prior): 25 reviews
    move them a little, 200 more. The fit is stored as a new model version labelled "fitted on N reviews
    of this corpus" and written to the audit log. Without reviews the catalogue's weights are used."""
    try:
        cat = load_catalogue()
    except CatalogueError as exc:
        console.print(f"[red]The indicator catalogue is not valid:[/] {exc}")
        raise typer.Exit(2) from exc
    store = open_store(db)
    try:
        result = learn_from_reviews(store, user=ACTOR, catalogue=cat, prior_sd=prior_sd, dry_run=dry_run)
    except NotEnoughReviews as exc:
        console.print(f"Nothing learnt: {exc}. Confirm or dismiss leads in the workspace first.")
        raise typer.Exit(1) from exc
    for line in result.report.lines():
        console.print(line)
    if result.rescored is not None:
        for line in result.rescored.lines():
            console.print(line)


def register(app: typer.Typer) -> None:
    app.command()(learn)
