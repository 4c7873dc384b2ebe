"""`safeharbor export ads|networks`: the JSON Lines partners read (docs/formats.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from safeharbor.cli.errors import CliError
from safeharbor.cli.options import DbOption
from safeharbor.export.ads import ad_records
from safeharbor.export.networks import network_records
from safeharbor.store import open_store

console = Console()
export_app = typer.Typer(
    help="Write what Safe Harbor found as JSON Lines (formats in docs/formats.md).", no_args_is_help=True
)

OutOption = Annotated[Path, typer.Option("--out", help="File to write ('-' for standard output).")]


def _write(records: Iterable[dict[str, Any]], out: Path) -> int:
    count = 0
    if str(out) == "-":
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    if not out.parent.is_dir():  # a mistyped path must not create folders
        raise CliError(f"cannot write {out}: the folder {out.parent} does not exist (create it first)")
    tmp = out.with_suffix(out.suffix + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(out)  # readers never see a half-written export
    return count


@export_app.command("ads")
def export_ads(out: OutOption, db: DbOption = None) -> None:
    """One object per ad: phones (E.164), emails, handles, ages, names, place, risk, flags, network."""
    store = open_store(db)
    with store.connect() as conn:
        n = _write(ad_records(conn), out)
    if str(out) != "-":
        console.print(f"Wrote {n:,} ads to {out}")


@export_app.command("networks")
def export_networks(out: OutOption, db: DbOption = None) -> None:
    """One object per network: ads, phones, emails, names, ordered city visits, risk, first/last seen."""
    store = open_store(db)
    with store.connect() as conn:
        n = _write(network_records(conn), out)
    if str(out) != "-":
        console.print(f"Wrote {n:,} networks to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
