"""Online backup and verified restore of a store.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while the
store stays in use (readers and the writer carry on); the copy is written 0600 under a temporary name,
checked (`PRAGMA integrity_check`, a schema Safe Harbor knows) and only then renamed into place. A
restore checks the file the same way before it copies it, with the same API, over the live store.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean`, when those programs are installed
(they must be of the server's major version); the password goes through the environment, never the
command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from safeharbor.storage.backends import create_private_file
from safeharbor.storage.engine import Store


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in one line."""


@dataclass
class BackupCheck:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)  # rows per table
    migrations: set[str] = field(default_factory=set)

    def lines(self) -> list[str]:
        ads = self.tables.get("ads", 0)
        return [
            f"{self.path}: integrity ok, {len(self.tables)} tables, {ads:,} ad versions, "
            f"{len(self.migrations)} schema migrations"
        ]


def check_sqlite_file(path: Path) -> BackupCheck:
    """Verify a SQLite backup: a database, intact, with a Safe Harbor schema. Raises BackupError."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened: {exc}") from exc
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{path}: damaged: {result[0]}")
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if "schema_migrations" not in names or "ads" not in names:
            raise BackupError(f"{path}: not a Safe Harbor store (no schema_migrations/ads tables)")
        check = BackupCheck(path, migrations={r[0] for r in conn.execute("SELECT id FROM schema_migrations")})
        for name in names:
            if name.startswith("sqlite_") or "_fts" in name:
                continue
            check.tables[name] = int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        return check
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a SQLite database ({exc})") from exc
    finally:
        conn.close()


def backup(store: Store, dest: Path) -> BackupCheck | None:
    """Copy the store to `dest` (a new file in an existing folder); the SQLite copy is verified."""
    if dest.exists():
        raise BackupError(f"{dest} exists already: choose a new file name")
    if not dest.parent.is_dir():
        raise BackupError(f"cannot write {dest}: the folder {dest.parent} does not exist")
    if store.backend.file_path is None:
        _pg_run(store, ["pg_dump", "--format=custom", "--no-owner", f"--file={dest}"])
        os.chmod(dest, 0o600)
        return None
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)
    create_private_file(part)
    raw = store.engine.raw_connection()
    try:
        with sqlite3.connect(part) as target:
            raw.driver_connection.backup(target)  # type: ignore[union-attr]
        target.close()
        check = check_sqlite_file(part)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    os.replace(part, dest)
    check.path = dest
    return check


def restore(store: Store, source: Path, known_migrations: set[str]) -> BackupCheck | None:
    """Replace the store's contents with a verified backup. A backup from a newer version is refused."""
    if store.backend.file_path is None:
        if not source.is_file():
            raise BackupError(f"{source}: no such file")
        _pg_run(store, ["pg_restore", "--clean", "--if-exists", "--no-owner", str(source)])
        return None
    check = check_sqlite_file(source)
    newer = check.migrations - known_migrations
    if newer:
        raise BackupError(
            f"{source} was made by a newer Safe Harbor (schema {', '.join(sorted(newer))}); upgrade first"
        )
    raw = store.engine.raw_connection()
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as origin:
            origin.backup(raw.driver_connection)  # type: ignore[arg-type]
        origin.close()
    finally:
        raw.close()
    store.engine.dispose()  # pooled connections saw the old schema
    return check


def _pg_run(store: Store, command: list[str]) -> None:
    program = command[0]
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed: on PostgreSQL, back up and restore with pg_dump/pg_restore "
            "(Debian: apt-get install postgresql-client)"
        )
    url = make_url(store.url)
    env = os.environ | ({"PGPASSWORD": url.password} if url.password else {})
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([*command, f"--dbname={target}"], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise BackupError(f"{program}: {first}")
