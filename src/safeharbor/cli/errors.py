"""A CLI that explains instead of crashing: one-line errors for bad paths, URLs, ports and files.

Every command runs inside `SafeHarborGroup.invoke`, which turns the failures a user can cause and
fix (a file that is not there, a database that cannot be reached, an input file that cannot be read)
into one line on stderr and exit status 2, and SIGTERM into an orderly stop (runs marked, workers
ended). Anything else is a bug and keeps its traceback.

`--db` is checked when it is parsed (`check_db`): a directory, a missing folder, a file that is not
a SQLite database or an unknown URL scheme is refused before anything opens it. A new SQLite store
is created only where its folder already exists (the default ./var/ excepted), and says so; the
commands that only read refuse a store that does not exist instead of creating an empty one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from safeharbor.ingest.readers import InputFileError
from safeharbor.settings import DEFAULT_DB_PATH, Settings
from safeharbor.storage.backends import backend_for_url
from safeharbor.storage.engine import normalise_db_url

err = Console(stderr=True, highlight=False, soft_wrap=True)

# Commands that only read a store: on a store that does not exist they say so, and create nothing.
READ_ONLY = {"stats", "ads", "networks", "network", "why", "leads", "analyze", "train", "backup", "purge"}
SQLITE_MAGIC = b"SQLite format 3\x00"
SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
NEW_STORE = "safeharbor.new_store"


class CliError(Exception):
    """A one-line error for the user (printed by SafeHarborGroup, exit status 2)."""


def _sqlite_path(value: str) -> Path | None:
    """The file of a SQLite store (a path or a sqlite:/// URL); None for a server or in-memory one."""
    try:
        return backend_for_url(normalise_db_url(value)).file_path
    except ValueError:
        return None


def check_db(ctx: typer.Context, value: str | None) -> str | None:
    """Refuse a --db that cannot be a store, before a command opens (or creates) it."""
    command = ctx.info_name or ""
    shown = value or str(DEFAULT_DB_PATH)
    given = value or Settings.from_env().db_url or str(DEFAULT_DB_PATH)
    if "://" in given:
        scheme = given.split("://", 1)[0].lower()
        if scheme not in SCHEMES:
            raise CliError(
                f"--db {shown}: unsupported database URL scheme {scheme!r} "
                "(use a SQLite file path, or postgresql+psycopg://user@host/db)"
            )
    path = _sqlite_path(given)
    if path is None:
        return value
    if path.is_dir():
        raise CliError(f"--db {path} is a directory; give a database file, e.g. {path / 'safeharbor.db'}")
    if path.exists():
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise CliError(f"--db {path}: cannot be read ({exc.strerror})") from exc
        if head and head != SQLITE_MAGIC:
            raise CliError(f"--db {path} is not a SQLite database (is it the right file?)")
        return value
    if command in READ_ONLY:
        raise CliError(
            f"no store at {path}: check the path, or load data first (safeharbor ingest FILE --db {path})"
        )
    default = path == DEFAULT_DB_PATH or path.resolve() == DEFAULT_DB_PATH.resolve()
    if not default and not path.parent.is_dir():
        raise CliError(
            f"no store at {path}, and its folder {path.parent} does not exist: check the path "
            "(to start a new store there, create the folder first)"
        )
    ctx.meta[NEW_STORE] = path  # SafeHarborGroup says "created" once the command has created it
    return value


def _stop_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # SystemExit unwinds like Ctrl+C: the run is marked, worker pools are shut down, files closed.
    raise SystemExit(128 + signum)


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _announce_new_store(ctx: typer.Context) -> Iterator[None]:
    try:
        yield
    finally:
        created = ctx.meta.get(NEW_STORE)
        if isinstance(created, Path) and created.exists():
            err.print(f"Created a new store at {printable(str(created.resolve()))}")


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


class SafeHarborGroup(typer.core.TyperGroup):
    """The `safeharbor` command group: known failures become one line, SIGTERM an orderly stop."""

    # Any: Typer passes its own (vendored) click Context, whose class is not public API.
    def invoke(self, ctx: Any) -> Any:
        try:
            with _sigterm_as_exit(), _announce_new_store(ctx):
                return super().invoke(ctx)
        except (CliError, InputFileError) as exc:
            message = str(exc)
        except (ArgumentError, NoSuchModuleError) as exc:
            message = f"the database URL cannot be used: {_one_line(exc)}"
        except DBAPIError as exc:
            message = f"database error: {_one_line(exc)}"
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            message = f"{exc.strerror or _one_line(exc)}{where}"
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        err.print(f"[red]error:[/] {printable(message)}", markup=True)
        raise typer.Exit(2)


def printable(text: str) -> str:
    """Text safe for the terminal: control characters (NUL, escape sequences) from a file name or a
    line as read are shown as \\xNN, and Rich markup in it is shown, not applied."""
    return escape("".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text))
