"""Learning from review: `learn` (re-fit weights from the workspace's reviews and case outcomes) and
`phrases propose|accept|list` (candidate phrases that separate confirmed from dismissed leads)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from safeharbor.cli.options import DbOption
from safeharbor.score.catalogue import CatalogueError, load_catalogue
from safeharbor.score.learn import PRIOR_SDS, NotEnoughReviews
from safeharbor.score.phrase_store import ACCEPTED, StoredPhrase, list_phrases
from safeharbor.score.phrases import MIN_SUPPORT
from safeharbor.store import open_store
from safeharbor.workspace.learning import learn_from_reviews
from safeharbor.workspace.phrasebook import accept, propose_phrases

console = Console()
ACTOR = "cli"


def learn(
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fit and report, store the model, but keep the weights in use.")
    ] = False,
    prior_sd: Annotated[
        float | None,
        typer.Option(
            min=0.05,
            help="How far (log-odds) a weight may move from the catalogue's: the prior's standard deviation. "
            f"Default: chosen from the reviews among {', '.join(f'{sd:g}' for sd in PRIOR_SDS)} (the "
            "smallest unless the reviews clearly support a larger one).",
        ),
    ] = None,
) -> None:
    """Re-fit the indicator weights that rank the lead queue from the analysts' reviews, then re-score.

    Learns from leads marked Confirmed or Dismissed in the workspace and from case outcomes (a child
    victim identified / adults only). Weights stay close to the catalogue's (a strong prior) unless the
    reviews clearly disagree with it: the prior's strength is chosen from the reviews' evidence. The
    fit is stored as a new model version labelled "fitted on N reviews of this corpus" and written to
    the audit log. Without reviews the catalogue's weights are used."""
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


phrases_app = typer.Typer(
    help="Candidate phrases and emoji that separate confirmed from dismissed leads; accept one into the "
    "catalogue (stored in the database, used by the next analyze).",
    no_args_is_help=True,
)


def _table(title: str, rows: list[StoredPhrase], accepted: bool) -> Table:
    out = Table(title=title)
    for name in ("id", "phrase", "kind", "confirmed leads", "dismissed leads", "log-odds"):
        out.add_column(name)
    if accepted:
        out.add_column("indicator")
        out.add_column("accepted by")
    for r in rows:
        cells = [str(r.phrase_id), r.phrase, r.kind, str(r.confirmed), str(r.dismissed), f"{r.score:+.2f}"]
        if accepted:
            cells += [r.indicator or "", f"{r.decided_by} {(r.decided_at or '')[:16]}"]
        out.add_row(*cells)
    return out


@phrases_app.command("propose")
def phrases_propose(
    db: DbOption = None,
    min_support: Annotated[
        int, typer.Option(min=1, help="Fewest confirmed leads that must show a phrase.")
    ] = MIN_SUPPORT,
) -> None:
    """Propose phrases from the reviews so far: counts in confirmed and dismissed leads, smoothed log-odds."""
    store = open_store(db)
    with store.begin() as conn:
        found = propose_phrases(conn, min_support=min_support)
    if not found:
        console.print(
            "No phrase separates confirmed from dismissed leads yet (each needs "
            f"{min_support}+ confirmed leads). Confirm or dismiss more leads in the workspace."
        )
        return
    console.print(_table("Proposed phrases (each lead counts once)", found, accepted=False))
    console.print(
        "Evidence for you to judge, not patterns yet. Accept one with "
        "`safeharbor phrases accept ID --indicator NAME` (an indicator id such as youth_language, or a new "
        "name); the next `safeharbor analyze` uses it."
    )


@phrases_app.command("accept")
def phrases_accept(
    phrase_id: Annotated[int, typer.Argument(help="The id `phrases propose` printed.")],
    indicator: Annotated[
        str, typer.Option("--indicator", help="Add it to this ad-level indicator (or create a new one).")
    ],
    db: DbOption = None,
) -> None:
    """Accept a proposed phrase into the catalogue as a pattern of an indicator (audited)."""
    store = open_store(db)
    try:
        with store.begin() as conn:
            done = accept(conn, phrase_id, indicator=indicator, user=ACTOR)
    except ValueError as exc:
        console.print(f"[red]Not accepted:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"Accepted {done.kind} {done.phrase!r} into {done.indicator}. Run `safeharbor analyze` to flag ads "
        "with it (only that indicator is re-matched)."
    )


@phrases_app.command("list")
def phrases_list(db: DbOption = None) -> None:
    """The phrases accepted into this store's catalogue, newest first."""
    store = open_store(db)
    with store.connect() as conn:
        rows = list_phrases(conn, ACCEPTED)
    console.print(_table("Accepted phrases", rows, accepted=True) if rows else "No accepted phrases yet.")


def register(app: typer.Typer) -> None:
    app.command()(learn)
    app.add_typer(phrases_app, name="phrases")
