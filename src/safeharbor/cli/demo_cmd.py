"""`safeharbor demo`: everything a new user needs to see Safe Harbor working, in one command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from safeharbor.cli.progress import progress_bar
from safeharbor.demo import generate
from safeharbor.export.ads import ad_records
from safeharbor.ingest import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.store import open_store
from safeharbor.web.app import create_app
from safeharbor.workspace.accounts import ensure_demo_accounts

console = Console()


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo corpus and database go.")] = Path(
        "var/demo"
    ),
    n_ads: Annotated[int, typer.Option("--ads", min=100, help="Size of the demo corpus.")] = 5000,
    seed: Annotated[int, typer.Option(help="Seed of the demo corpus.")] = 7,
    host: Annotated[str, typer.Option(help="Address the web app listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the web app.")] = 8000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web app at the end.")] = True,
) -> None:
    """Generate a demo corpus, ingest and analyse it, create demo accounts, and start the web app."""
    data_dir = directory / "data"
    db_path = directory / "safeharbor.db"
    console.rule("[bold]Safe Harbor demo")
    console.print(f"1/4 Generating {n_ads:,} synthetic ads (fictional numbers, no real people) in {data_dir}")
    gen = generate(data_dir, n_ads, seed, images=True, bad_lines=5)
    store = open_store(str(db_path))
    console.print("2/4 Ingesting (bad lines are set aside with their reason; images are hashed, never kept)")
    with progress_bar("Ingesting") as update:
        ingest = ingest_file(store, gen.ads_path, progress=update)
    for line in ingest.lines():
        console.print("   " + line, soft_wrap=True, highlight=False)
    console.print("3/4 Analysing: extract -> link -> score")
    with progress_bar("Analysing") as update:
        summary = analyze(store, progress=lambda stage, done, total: update(done, total))
    for line in summary.lines():
        console.print("   " + line, soft_wrap=True, highlight=False)
    export_path = directory / "ads-export.jsonl"
    with store.connect() as conn, open(export_path, "w", encoding="utf-8") as fh:
        for record in ad_records(conn):
            fh.write(json.dumps(record) + "\n")

    lines = [
        f"Ads in: {ingest.counts.added:,} new (+{ingest.counts.new_versions:,} new versions, "
        f"{ingest.counts.duplicates:,} already stored); "
        f"set aside: {ingest.counts.rejected:,} lines (safeharbor stats --quarantine)",
        f"Database: {store.describe()}",
        f"Corpus and ground truth: {data_dir}",
        f"Export of every ad (docs/formats.md format): {export_path}",
        "",
        "Try next (the command is .venv/bin/safeharbor, or run `source .venv/bin/activate` first;",
        f"add --db {db_path} to each):",
        "  safeharbor stats              what the store holds",
        "  safeharbor stats --quarantine the lines set aside and why",
        "  safeharbor leads --top 20     ads and networks with the strongest indicators of a possible minor",
        "  safeharbor export networks --out networks.jsonl",
    ]
    accounts = ensure_demo_accounts(store)
    if accounts:
        import pyotp

        lines += ["", "Demo accounts for the analyst workspace (demo only; new passwords on every run):"]
        for acct in sorted(accounts, key=lambda a: a.role != "analyst"):
            code = f"  TOTP code now: {pyotp.TOTP(acct.totp_secret).now()}" if acct.totp_secret else ""
            lines.append(f"  {acct.role:<9} user {acct.username}  password {acct.password}{code}")
        lines.append("  A fresh TOTP code at any time (demo accounts only):")
        lines.append(f"    safeharbor users totp-code demo-analyst --db {db_path}")
    console.rule("[bold]4/4 Ready")
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
    if not serve:
        return
    import uvicorn

    console.rule()
    console.print(f"Open http://{host}:{port}/ (public side)", soft_wrap=True)
    console.print(
        f"and  http://{host}:{port}/login (analyst workspace). Ctrl+C stops the server.", soft_wrap=True
    )
    # No access log: it would write visitors' addresses, and the public side stores none.
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning", access_log=False)


def register(app: typer.Typer) -> None:
    app.command()(demo)
