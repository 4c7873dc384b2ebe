"""Commands of the risk stage: `leads` (the lead queue), `train` (re-fit weights), `indicators`.

Wording keeps a person in charge: these are indicators of a possible minor, weak one by one, for a
trained analyst to judge - never a finding that a minor was detected.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import column, inspect, select, table

from safeharbor.cli.options import DbOption
from safeharbor.score.calibration import MIN_EACH, MIN_REVIEWS, NOT_A_PROBABILITY, Calibration, Standing
from safeharbor.score.catalogue import (
    CATALOGUE_ENV,
    Catalogue,
    CatalogueError,
    catalogue_path,
    load_catalogue,
)
from safeharbor.score.leads import lead_queue
from safeharbor.score.model import active_model
from safeharbor.score.person_fit import write_catalogue_with
from safeharbor.score.person_model import basis_line
from safeharbor.score.phrase_store import accepted_phrases, corpus_catalogue
from safeharbor.score.prevalence import stored_discounts
from safeharbor.score.run import update_scores
from safeharbor.score.train import fit_from_outcomes, fit_persons_from_outcomes
from safeharbor.storage.schema import ads
from safeharbor.store import Store, open_store
from safeharbor.workspace.leads import LeadFilters
from safeharbor.workspace.standing import current_calibration, lead_standings
from safeharbor.workspace.teaching import teaching

console = Console()

CAVEAT = (
    "Indicators of a possible minor, for a trained person to judge - not findings. They are weak one by one: "
    "the NIJ-funded study of 1,263 ads found only youth language, obscured phone numbers and "
    '"trustworthy" framing predictive; movement language and stated ages under 23 were not.'
)


def _catalogue_or_exit(path: Path | None = None) -> Catalogue:
    try:
        return load_catalogue(path)
    except CatalogueError as exc:
        console.print(f"[red]The indicator catalogue is not valid:[/] {exc}")
        raise typer.Exit(2) from exc


def leads(
    db: DbOption = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many leads to list.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many leads (paging).")] = 0,
    city: Annotated[str | None, typer.Option(help="Only leads with ads in this city.")] = None,
    state: Annotated[str | None, typer.Option(help="Only leads with ads in this state (2 letters).")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only ads posted on/after (YYYY-MM-DD or ISO time).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only ads posted on/before (YYYY-MM-DD or ISO time).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only ads from this source.")] = None,
    indicator: Annotated[str | None, typer.Option(help="Only ads on which this indicator fired.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per lead instead of a table.")
    ] = False,
    teach: Annotated[
        bool,
        typer.Option(
            "--teach",
            help="Unreviewed leads whose review would teach the ranking most (least sure x newest evidence); "
            "confirm or dismiss them in the workspace, then `safeharbor learn`.",
        ),
    ] = False,
) -> None:
    """The lead queue: networks and stand-alone ads with the strongest indicators of a possible minor."""
    store = open_store(db)
    update_scores(store, catalogue=_catalogue_or_exit())  # cheap when nothing changed
    why: dict[str, str] = {}
    with store.connect() as conn:
        calibration = current_calibration(conn)
        if teach:
            chosen = teaching(
                conn, LeadFilters(city=city, state=state, since=since, until=until, source=source,
                                  indicator=indicator), limit=top, offset=offset,
            )  # fmt: skip
            found = [t.lead for t in chosen]
            why = {f"{t.lead.kind}:{t.lead.id}": t.why() for t in chosen}
        else:
            found = lead_queue(
                conn, limit=top, offset=offset, city=city, state=state, since=since, until=until,
                source=source, indicator=indicator,
            )  # fmt: skip
        standing = lead_standings(conn, [lead.risk for lead in found], calibration)
    if as_json:
        for lead in found:
            record = {
                "kind": lead.kind, "id": lead.id, **standing[lead.risk].as_json(),
                "highest_ad_score": None if lead.max_ad_risk is None else round(lead.max_ad_risk, 4),
                "basis": lead.rank_basis.get("basis"), "ads": lead.n_ads,
                "city": lead.city, "state": lead.state,
                "first_seen": lead.first_seen, "last_seen": lead.last_seen,
                "reasons": [dict(f.as_export(), note=f.note) for f in lead.reasons],
            }  # fmt: skip
            if why:
                record["teach"] = why.get(f"{lead.kind}:{lead.id}")
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    if not found:
        console.print("No scored ads match. Run `safeharbor analyze` after `safeharbor ingest`.")
        return
    title = "Leads whose review would teach the ranking most" if teach else "Leads"
    out = Table(title=f"{title}: indicators of a possible minor", show_lines=True)
    for name in ("#", "lead", "standing", "ads", "where", "seen", "top reasons (indicator: evidence)"):
        out.add_column(name, overflow="fold")
    for n, lead in enumerate(found, offset + 1):
        ident = f"network {lead.id}" if lead.kind == "network" else f"ad {lead.id}"
        where = ", ".join(p for p in (lead.city, lead.state) if p) or "-"
        seen = (lead.first_seen or "")[:10]
        if lead.last_seen and lead.last_seen[:10] != seen:
            seen += f" .. {lead.last_seen[:10]}"
        reasons = "\n".join(f"{f.indicator}: {f.evidence!r} ({f.weight:+.1f})" for f in lead.reasons) or "-"
        ranked_by = basis_line(lead.rank_basis)
        if ranked_by:
            reasons += "\nranked by " + ranked_by
        if why:
            reasons += "\nto teach: " + why.get(f"{lead.kind}:{lead.id}", "")
        out.add_row(str(n), ident, _standing_cell(standing[lead.risk]), str(lead.n_ads), where, seen, reasons)
    console.print(out)
    console.print(
        "standing: the lead's place among all leads of this corpus, by its ranking score from the person "
        "model (for a network its strongest person, for a stand-alone ad the ad as one person), counting "
        "over the person's distinct ads what is shown and what is not. " + NOT_A_PROBABILITY
    )
    console.print(_calibration_line(calibration))
    console.print(CAVEAT)
    console.print(
        "Details: `safeharbor network ID` / `safeharbor why`, or the analyst workspace (`safeharbor serve`)."
    )


def _standing_cell(s: Standing) -> str:
    """Position and top percent, the calibrated risk when reviews allow, and the raw score, labelled."""
    lines = [f"#{s.position:,} of {s.of:,}", f"top {s.top_percent:g}%"]
    if s.calibrated_risk is not None:
        lines.append(f"calibrated risk {s.calibrated_risk:.2f}")
    return "\n".join([*lines, f"score {s.score:.3g}"])


def _calibration_line(calibration: Calibration | None) -> str:
    if calibration is None:
        return (
            f"No calibrated risk yet: it needs {MIN_REVIEWS} reviewed leads, at least {MIN_EACH} confirmed "
            f"and {MIN_EACH} dismissed (confirm or dismiss leads in the workspace)."
        )
    return (
        f"calibrated risk: the share of reviewed leads with a score like this one that reviewers confirmed "
        f"({calibration.label}); reviewed leads are the top of the queue, so read low values as 'at most'."
    )


def _outcomes_from_table(store: Store) -> list[tuple[int, bool]]:
    with store.connect() as conn:
        if not inspect(conn).has_table("case_outcomes"):
            return []
        outcomes = table("case_outcomes", column("ad_key"), column("minor_confirmed"))
        return [
            (int(k), bool(v)) for k, v in conn.execute(select(outcomes.c.ad_key, outcomes.c.minor_confirmed))
        ]


def _outcomes_from_file(store: Store, path: Path) -> tuple[list[tuple[int, bool]], int]:
    """JSON Lines of {"source", "id", "minor": bool}; every stored version of the ad gets the outcome."""
    wanted: dict[tuple[str, str], bool] = {}
    bad = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            wanted[(str(rec["source"]), str(rec["id"]))] = bool(rec["minor"])
        except (ValueError, KeyError, TypeError):
            bad += 1
    found: list[tuple[int, bool]] = []
    with store.connect() as conn:
        for key, src, ad_id in conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id)):
            if (src, ad_id) in wanted:
                found.append((key, wanted[(src, ad_id)]))
    return found, bad


def train(
    db: DbOption = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from", help='JSON Lines of {"source", "id", "minor": true|false} instead of case outcomes.'
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report the fit but keep the current weights.")
    ] = False,
    prior_sd: Annotated[
        float, typer.Option(help="How far weights may move from the catalogue's (prior standard deviation).")
    ] = 1.0,
    persons_to: Annotated[
        Path | None,
        typer.Option(
            "--persons",
            help="Also re-fit the person model (which ranks the lead queue) and write a copy of the "
            "catalogue with it to FILE, to check and put in use with SAFEHARBOR_CATALOGUE=FILE.",
        ),
    ] = None,
) -> None:
    """Re-fit indicator weights from labelled ad outcomes (a file, or case outcomes), print the fit's quality.

    To learn from the workspace's reviews (confirmed / dismissed leads and case outcomes), use
    `safeharbor learn`."""
    store = open_store(db)
    if from_file is not None:
        outcomes, bad = _outcomes_from_file(store, from_file)
        if bad:
            console.print(f"{bad} lines of {from_file} were not understood and were skipped.")
    else:
        outcomes = _outcomes_from_table(store)
    if not outcomes:
        console.print(
            "No reviewed outcomes to learn from (close cases with an outcome, or pass --from FILE)."
        )
        raise typer.Exit(1)
    cat = _catalogue_or_exit()
    report = fit_from_outcomes(store, outcomes, catalogue=cat, activate=not dry_run, prior_sd=prior_sd)
    for line in report.lines():
        console.print(line)
    if report.activated:
        for line in update_scores(store, catalogue=cat).lines():
            console.print(line)
    if persons_to is not None:
        person_fit = fit_persons_from_outcomes(store, outcomes, cat)
        for line in person_fit.lines():
            console.print(line)
        if person_fit.weights is not None:
            write_catalogue_with(Path(cat.path), persons_to, person_fit.weights)
            console.print(
                f"Wrote {persons_to} with the re-fitted person_model. Check it, then use it with "
                f"{CATALOGUE_ENV}={persons_to} safeharbor analyze"
            )


def indicators(
    db: DbOption = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show validity notes and sources.")
    ] = False,
    export: Annotated[
        Path | None, typer.Option("--export", help="Copy the catalogue to FILE to edit it.")
    ] = None,
    check: Annotated[Path | None, typer.Option("--check", help="Validate a catalogue file and exit.")] = None,
    corpus: Annotated[
        bool,
        typer.Option(
            "--corpus",
            help="The phrases the loaded corpus (--db) discounts (used by many posters) and by how much.",
        ),
    ] = False,
) -> None:
    """List the indicator catalogue: what each indicator looks for, its weight, and how far to trust it.

    With --db, the store's catalogue: phrases analysts accepted from review (`safeharbor phrases accept`)
    are shown under their indicator, and new learned indicators are listed."""
    if corpus:
        _corpus_discounts(db)
        return
    if check is not None:
        cat = _catalogue_or_exit(check)
        console.print(f"{check}: valid, {len(cat.indicators)} indicators (hash {cat.hash()}).")
        return
    if export is not None:
        shutil.copyfile(catalogue_path(), export)
        console.print(
            f"Wrote {export}. Edit it, then use it with {CATALOGUE_ENV}={export} safeharbor analyze"
        )
        return
    cat = _catalogue_or_exit()
    weights = cat.weights()
    origin = "catalogue"
    accepted: dict[str, list[str]] = {}
    if db is not None:  # the store's catalogue (its accepted phrases) and the weights in use there
        try:
            store = open_store(db)
            with store.connect() as conn:
                found = accepted_phrases(conn)
                cat = corpus_catalogue(conn, cat)
                model = active_model(conn, cat)
            weights, origin = model.weights, model.origin
            for item in found:
                accepted.setdefault(item.indicator, []).append(item.phrase)
        except Exception:  # noqa: BLE001 - listing the catalogue must work without a database
            pass
    out = Table(title=f"Indicator catalogue ({cat.path}); weights: {origin}", show_lines=verbose)
    for name in ("indicator", "level", "weight", "research says", "what it looks for"):
        out.add_column(name, overflow="fold")
    for ind in cat.indicators:
        what = ind.title
        if ind.id in accepted:
            what += "\naccepted from review: " + ", ".join(repr(p) for p in accepted[ind.id])
        if verbose:
            what += f"\n[dim]{ind.validity}\nSource: {ind.source}[/]"
        out.add_row(ind.id, ind.level, f"{weights.get(ind.id, ind.weight):+.2f}", ind.predictive, what)
    console.print(out)
    console.print(
        f"Prior log-odds (no indicator): {cat.bias:+.2f}. Weights are log-odds; risk = sigmoid(sum)."
    )
    console.print(CAVEAT)


def _corpus_discounts(db: str | None) -> None:
    """Evidence weighed against the corpus (docs/indicators.md): the phrases the last analyze discounted."""
    with open_store(db).connect() as conn:
        found = stored_discounts(conn)
    if not found:
        console.print(
            "No phrase is widespread enough in this corpus to be discounted (or run analyze first)."
        )
        return
    out = Table(title="Phrases widespread in this corpus: their weight is discounted")
    for name in ("indicator", "phrase", "posters", "share", "weight x"):
        out.add_column(name, overflow="fold")
    for d in found:
        share = f"{d.posters / d.total:.0%}" if d.total and d.posters else "?"
        out.add_row(d.indicator, d.phrase, f"{d.posters:,} of {d.total:,}", share, f"{d.factor:g}")
    console.print(out)
    console.print(
        "A phrase in the ads of more than 10% of posters (networks and stand-alone ads) counts less: "
        "weight x log(1/share) / log(1/10%). A stated age under 18 is never discounted."
    )


def register(app: typer.Typer) -> None:
    app.command()(leads)
    app.command()(train)
    app.command()(indicators)
