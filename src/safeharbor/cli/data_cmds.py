"""Commands for getting data in and through the pipeline: demo-data, ingest, analyze, stats."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from safeharbor.cli.errors import CliError, printable
from safeharbor.cli.options import DbOption
from safeharbor.cli.progress import progress_bar
from safeharbor.demo import generate
from safeharbor.demo.link_knobs import world as link_world
from safeharbor.demo.risk_knobs import SHIFT_NAMES
from safeharbor.demo.risk_knobs import shift as risk_shift
from safeharbor.ingest import ingest_file
from safeharbor.ingest.readers import InputFileError, check_input_file
from safeharbor.ingest.run import mark_interrupted_runs
from safeharbor.pipeline import analyze as run_analyze
from safeharbor.settings import DEFAULT_SPARK_MASTER, ENV_SPARK_MASTER, Settings
from safeharbor.spark import SparkConfig, SparkUnavailable, analyze_on_spark
from safeharbor.storage.schema import ad_places, ads, extractions, ingest_runs, quarantine
from safeharbor.store import open_store

console = Console()


def demo_data(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write ads.jsonl, truth.jsonl and images/ into.")
    ] = Path("var/demo/data"),
    n_ads: Annotated[int, typer.Option("--ads", min=1, help="How many ads to generate.")] = 5000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed gives the same corpus.")
    ] = 7,
    images: Annotated[bool, typer.Option("--images/--no-images", help="Generate abstract images.")] = True,
    bad_lines: Annotated[
        int, typer.Option("--bad-lines", min=0, help="Broken lines to mix in (to see quarantine).")
    ] = 0,
    world: Annotated[
        str,
        typer.Option(
            "--world",
            help="Linking world preset: default, no-images (dead image links), rotation (2-4 phones "
            "per network handed between persons, writing habits, no images), collisions (unrelated "
            "operators sharing a handle or phone), hard (all of these). Options below override it.",
        ),
    ] = "default",
    dead_images: Annotated[
        bool | None,
        typer.Option("--dead-images/--image-files", help="Ads list image links whose files are gone."),
    ] = None,
    phone_rotation: Annotated[
        str | None,
        typer.Option("--phone-rotation", help="operator (one phone at a time) or persons (2-4, rotating)."),
    ] = None,
    collisions: Annotated[
        int | None,
        typer.Option("--collisions", min=0, help="Pairs of unrelated operators sharing one identifier."),
    ] = None,
    habits: Annotated[
        bool | None,
        typer.Option("--habits/--fixed-templates", help="Operators write with habits sampled per ad."),
    ] = None,
    shift: Annotated[
        str,
        typer.Option(
            "--shift",
            help="Risk world shift (moves the world away from the indicator catalogue): "
            + ", ".join(SHIFT_NAMES)
            + ". See safeharbor.demo.risk_knobs and `make bench-risk`.",
        ),
    ] = "none",
) -> None:
    """Generate a synthetic demo corpus with ground truth (fictional, non-explicit, no real people).

    The linking knobs (see safeharbor.demo.link_knobs) move the world to where linking is hard; --shift
    moves it away from the indicator catalogue (safeharbor.demo.risk_knobs).
    """
    try:
        knobs = link_world(world, n_ads)
        risk = risk_shift(shift, n_ads)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if phone_rotation is not None and phone_rotation not in ("operator", "persons"):
        console.print("[red]error:[/] --phone-rotation is operator or persons")
        raise typer.Exit(2)
    knobs = replace(
        knobs,
        images="dead" if dead_images else ("files" if dead_images is False else knobs.images),
        phone_rotation=phone_rotation or knobs.phone_rotation,  # type: ignore[arg-type]
        collisions=knobs.collisions if collisions is None else collisions,
        habits=knobs.habits if habits is None else habits,
    )
    summary = generate(out, n_ads, seed, images=images, bad_lines=bad_lines, knobs=knobs, risk=risk.knobs)
    if not knobs.is_default:
        console.print(f"Linking world: {knobs.describe()}")
    if not risk.knobs.is_default:
        console.print(f"Risk world shift {risk.name}: {risk.knobs.describe()}")
    console.print(
        f"Wrote {summary.ads:,} ads from {summary.operators:,} operators "
        f"({summary.minor_ads:,} involving a child "
        f"victim in the truth) to [bold]{summary.ads_path}[/]"
    )
    console.print(f"Ground truth: {summary.truth_path}, {summary.operators_path}")
    console.print(f"Next: safeharbor ingest {summary.ads_path}")


def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="JSON Lines or CSV files (ingest format: docs/formats.md).")
    ],
    db: DbOption = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes for parsing and image hashing (default: auto).")
    ] = None,
) -> None:
    """Load ads into the store. Bad lines are set aside with their line number and reason; the rest goes in.

    Ingesting the same file twice adds nothing; an ad seen again with a changed body becomes a new version.
    """
    for path in files:  # every file is checked before anything is stored
        try:
            check_input_file(path)
        except InputFileError as exc:
            raise CliError(f"{path}: {exc}") from exc
    store = open_store(db)
    for path in files:
        with progress_bar(f"Ingesting {path.name}") as update:
            try:
                summary = ingest_file(store, path, workers=workers, progress=update)
            except InputFileError as exc:
                raise CliError(f"{path}: {exc}") from exc
        for line in summary.lines():
            console.print(line, soft_wrap=True, highlight=False)
    console.print(f"Database: {store.describe()}")
    console.print("Next: safeharbor analyze")


class EngineName(StrEnum):
    local = "local"
    spark = "spark"


def _spark_conf(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--spark-conf takes KEY=VALUE, e.g. spark.executor.memory=4g (got {pair!r})")
        out[key.strip()] = value.strip()
    return out


def analyze(
    ctx: typer.Context,
    db: DbOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Recompute everything derived from the raw ads.")
    ] = False,
    engine: Annotated[
        EngineName,
        typer.Option(
            "--engine",
            help="local: this machine's cores. spark: the batch steps as Apache Spark jobs (needs the "
            "`spark` extra and Java 17+; same results, same store; see README, 'When you outgrow one "
            "machine').",
        ),
    ] = EngineName.local,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            help="With --engine spark: local[N], local[*] or a cluster URL such as spark://host:7077 "
            f"(default: {ENV_SPARK_MASTER}, else {DEFAULT_SPARK_MASTER}).",
            show_default=False,
        ),
    ] = None,
    spark_driver_memory: Annotated[
        str, typer.Option("--spark-driver-memory", help="With --engine spark: the driver's memory.")
    ] = "2g",
    spark_conf: Annotated[
        list[str] | None,
        typer.Option(
            "--spark-conf",
            help="With --engine spark: a Spark setting KEY=VALUE (repeatable), e.g. "
            "spark.executor.memory=4g.",
        ),
    ] = None,
) -> None:
    """Extract contacts and places, link ads into networks, and score indicators (incremental)."""
    store = open_store(db)
    lines: list[str]
    with progress_bar("Analysing") as update:

        def step(stage: str, done: int, total: int) -> None:
            update(done, total)

        if engine is EngineName.spark:
            settings = ctx.obj if isinstance(ctx.obj, Settings) else Settings.from_env()
            config = SparkConfig(
                master=spark_master or settings.spark_master or DEFAULT_SPARK_MASTER,
                driver_memory=spark_driver_memory,
                conf=_spark_conf(spark_conf or []),
            )
            try:
                lines = analyze_on_spark(store, config, rebuild=rebuild, progress=step).lines()
            except SparkUnavailable as exc:
                raise CliError(str(exc)) from exc
        else:
            lines = run_analyze(store, rebuild=rebuild, progress=step).lines()
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
    console.print(f"Database: {store.describe()}")


def stats(
    db: DbOption = None,
    show_quarantine: Annotated[
        bool, typer.Option("--quarantine", help="List the lines set aside at ingest, with reasons.")
    ] = False,
    file: Annotated[str | None, typer.Option(help="With --quarantine: only lines from this file.")] = None,
    limit: Annotated[int, typer.Option(help="With --quarantine: how many to list.")] = 50,
) -> None:
    """What the store holds: ads, versions, extractions, networks, quarantined lines, recent ingests."""
    store = open_store(db)
    mark_interrupted_runs(store)  # a run whose process was killed shows as such, not as "running"
    with store.connect() as conn:
        if show_quarantine:
            query = select(quarantine).order_by(quarantine.c.file, quarantine.c.line).limit(limit)
            if file:
                query = query.where(quarantine.c.file.like(f"%{file}"))
            table = Table("file", "line", "reason", "line as read", title="Lines set aside at ingest")
            for r in conn.execute(query):
                table.add_row(printable(r.file), str(r.line), printable(r.reason), printable(r.raw[:80]))
            console.print(table)
            return
        n_versions = conn.execute(select(func.count()).select_from(ads)).scalar_one()
        n_ads = conn.execute(
            select(func.count()).select_from(select(ads.c.source, ads.c.ad_id).distinct().subquery())
        ).scalar_one()
        sources = conn.execute(select(func.count(ads.c.source.distinct()))).scalar_one()
        kinds: dict[str, int] = dict(
            conn.execute(select(extractions.c.kind, func.count()).group_by(extractions.c.kind)).all()
        )
        placed = conn.execute(select(func.count()).select_from(ad_places)).scalar_one()
        n_quarantine = conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
        table = Table(title=f"Safe Harbor store: {store.describe()}", show_header=False)
        table.add_row("ads", f"{n_ads:,} ({n_versions:,} versions) from {sources:,} sources")
        for kind in ("phone", "email", "handle", "age", "name", "price", "city"):
            distinct = conn.execute(
                select(func.count(extractions.c.value.distinct())).where(extractions.c.kind == kind)
            ).scalar_one()
            table.add_row(f"{kind} mentions", f"{kinds.get(kind, 0):,} ({distinct:,} distinct)")
        table.add_row("ads placed in a city", f"{placed:,}")
        table.add_row(
            "lines set aside",
            f"{n_quarantine:,}" + (" (safeharbor stats --quarantine)" if n_quarantine else ""),
        )
        console.print(table)
        runs = Table(
            "run", "file", "status", "read", "added", "versions", "dupes", "set aside", title="Recent ingests"
        )
        for r in conn.execute(select(ingest_runs).order_by(ingest_runs.c.run_id.desc()).limit(5)):
            runs.add_row(
                str(r.run_id),
                r.file,
                r.status,
                f"{r.lines_read:,}",
                f"{r.ads_added:,}",
                f"{r.new_versions:,}",
                f"{r.duplicates:,}",
                f"{r.rejected:,}",
            )
        console.print(runs)


def register(app: typer.Typer) -> None:
    app.command("demo-data")(demo_data)
    app.command()(ingest)
    app.command()(analyze)
    app.command()(stats)
