"""`safeharbor network [ID]` and `safeharbor why AD_A AD_B`: networks and their evidence in the terminal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection, select

from safeharbor.cli.options import DbOption
from safeharbor.link.queries import (
    NetworkRecord,
    ad_keys_for_posting,
    cut_identifiers,
    list_networks,
    network_record,
    networks_for_ads,
    why_linked,
)
from safeharbor.score.person_model import reason_text
from safeharbor.score.queries import PersonScore, network_persons
from safeharbor.storage.schema import ads
from safeharbor.store import open_store

console = Console()


def _short(values: list[str], limit: int = 8) -> str:
    if not values:
        return "-"
    shown = ", ".join(values[:limit])
    return shown + (f" (+{len(values) - limit} more)" if len(values) > limit else "")


def _cuts_table(conn: Connection) -> Table:
    table = Table(title="Identifiers split by giant-component control (kept within each group)")
    for col in ("kind", "value", "postings", "groups", "cities", "kept within", "why"):
        table.add_column(col, overflow="fold")
    for c in cut_identifiers(conn, with_groups=True):
        table.add_row(
            c.kind,
            c.value,
            str(c.postings),
            str(c.groups),
            str(c.cities),
            escape(c.kept_line()),
            escape(c.reason),
        )
    return table


def _largest_table(conn: Connection, top: int) -> Table:
    table = Table(title=f"Largest networks (top {top})")
    for col in ("network", "postings", "ads", "confidence", "first seen", "last seen", "cities", "phones"):
        table.add_column(col, overflow="fold")
    for r in list_networks(conn, limit=top, offset=0):
        cities = " → ".join(dict.fromkeys(s.label for s in r.stays))
        table.add_row(
            r.id,
            str(r.postings),
            str(len(r.ad_keys)),
            f"{r.confidence:.2f}" if r.confidence is not None else "-",
            r.first_seen[:10],
            r.last_seen[:10],
            _short([cities], 1),
            _short(r.phones, 3),
        )
    return table


def _print_identifiers(record: NetworkRecord) -> None:
    console.print(
        f"[bold]Network {record.id}[/]: {record.postings} postings ({len(record.ad_keys)} ad versions), "
        f"{record.first_seen} → {record.last_seen}"
    )
    if record.confidence is not None:
        console.print(
            f"  holds with confidence {record.confidence:.2f}: its weakest link is "
            f"{escape(record.weakest or '?')} (question this merge first)"
        )
    console.print(f"  working names: {escape(_short(record.names, 12))}")
    console.print(f"  phones: {_short(record.phones)}")
    console.print(f"  emails: {_short(record.emails)}")
    console.print(f"  handles: {escape(_short(record.handles))}")
    console.print(f"  image hashes: {_short(record.image_hashes, 4)}")
    if record.shared_identifiers:
        console.print(
            f"  [yellow]identifiers unrelated groups also show (linked only within this network):[/] "
            f"{escape(_short(record.shared_identifiers))}"
        )


def _print_movement(record: NetworkRecord) -> None:
    table = Table(title=f"Movement: {len(record.stays)} stays, {record.distance_km:,.0f} km travelled")
    for col in ("#", "city", "first seen", "last seen", "ads"):
        table.add_column(col)
    for n, stay in enumerate(record.stays, 1):
        table.add_row(str(n), stay.label, stay.first_seen, stay.last_seen, str(stay.ads))
    console.print(table)
    for circuit in record.circuits:
        console.print(f"  circuit: {' → '.join(circuit.cities)} (gone round {circuit.loops} times)")
    if not record.circuits:
        console.print("  no repeated circuit recognised")


def _persons_table(found: list[PersonScore]) -> Table:
    persons = Table(
        title="Persons, as the ads tell (person model: indicators of a possible minor, for you to judge)"
    )
    for col in ("person", "score", "distinct ads", "weighed most (for and against)"):
        persons.add_column(col, overflow="fold")
    for p in found[:12]:
        reasons = "; ".join(reason_text(r) for r in p.reasons)
        persons.add_row(escape(p.person), f"{p.score:.2f}", str(p.ads), escape(reasons) or "-")
    return persons


def network(
    network_id: Annotated[str | None, typer.Argument(help="Network id, e.g. N-000012.")] = None,
    cuts: Annotated[
        bool,
        typer.Option(
            "--cuts",
            help="List identifiers split between unrelated groups (kept within each, no bridge), and why.",
        ),
    ] = False,
    top: Annotated[int, typer.Option("--top", help="Without an id: how many networks to list.")] = 20,
    db: DbOption = None,
) -> None:
    """Show one network (ads, contacts, persons, movement, circuits), or list the largest ones."""
    store = open_store(db)
    with store.connect() as conn:
        if cuts:
            console.print(_cuts_table(conn))
            return
        if network_id is None:
            console.print(_largest_table(conn, top))
            console.print("Show one with: safeharbor network ID")
            return
        record = network_record(conn, network_id)
        found = network_persons(conn, record.ad_keys) if record is not None else []
    if record is None:
        console.print(
            f"[red]No network {escape(network_id)}[/] (ids look like N-000012; list them with "
            "`safeharbor network`)."
        )
        raise typer.Exit(1)
    _print_identifiers(record)
    _print_movement(record)
    if found:
        console.print(_persons_table(found))
    console.print("Why two ads are linked: safeharbor why SOURCE:ID SOURCE:ID")


def _resolve(conn: Connection, ref: str) -> int:
    source, sep, ad_id = ref.partition(":")
    if not sep:
        console.print(f"[red]Name ads as source:id[/] (got {escape(ref)!r}).")
        raise typer.Exit(2)
    keys = ad_keys_for_posting(conn, source, ad_id)
    if not keys:
        console.print(f"[red]No ad {escape(ref)}[/]")
        raise typer.Exit(1)
    return keys[-1]


def why(
    ad_a: Annotated[str, typer.Argument(help="First ad as source:id.")],
    ad_b: Annotated[str, typer.Argument(help="Second ad as source:id.")],
    db: DbOption = None,
) -> None:
    """Why are two ads in the same network? The chain of edges that joins them, with the evidence."""
    store = open_store(db)
    with store.connect() as conn:
        key_a, key_b = _resolve(conn, ad_a), _resolve(conn, ad_b)
        chain = why_linked(conn, key_a, key_b)
        nets = networks_for_ads(conn, [key_a, key_b])
        labels = _labels(conn, {e.ad_a for e in chain} | {e.ad_b for e in chain})
    if not chain:
        console.print(
            f"{escape(ad_a)} ({nets.get(key_a, 'stands alone')}) and {escape(ad_b)} "
            f"({nets.get(key_b, 'stands alone')}) are not linked."
        )
        return
    console.print(
        f"{escape(ad_a)} and {escape(ad_b)} are both in network {nets[key_a]}, "
        f"joined by {len(chain)} edge{'s' if len(chain) > 1 else ''}:"
    )
    for n, edge in enumerate(chain, 1):
        console.print(
            f"  {n}. {labels.get(edge.ad_a, edge.ad_a)} — {labels.get(edge.ad_b, edge.ad_b)}: "
            f"[bold]{edge.kind}[/] (weight {edge.weight:.1f}) {escape(edge.describe())}"
        )
        if edge.kind == "text" and edge.passage_b and edge.passage_b != edge.passage_a:
            console.print(f'       in the other ad: "{escape(edge.passage_b)}"')


def _labels(conn: Connection, keys: set[int]) -> dict[int, str]:
    if not keys:
        return {}
    rows = conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id).where(ads.c.ad_key.in_(sorted(keys))))
    return {k: f"{s}:{i}" for k, s, i in rows}


def register(app: typer.Typer) -> None:
    app.command("network")(network)
    app.command("why")(why)
