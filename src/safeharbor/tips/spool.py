"""A durable spool for tips the store could not take (issue 16, L10).

A reporter who sent a tip while the database was failing (locked, full, read-only, unreachable) must
not lose it, nor meet a bare error: the tip is written to a file in the spool folder and the reporter
is given its reference as usual. The spool is emptied into the store by `retry` — on the next tip the
app stores, when the app starts, and by `safeharbor tips retry` — each file deleted only once its tip
is committed (a tip already stored under its reference is not stored twice).

Files are written whole or not at all (a temporary file, fsync, rename, fsync of the folder), mode
0600 in a folder made 0700. The reporter's contact field is sealed with the data key (as it is in
the database, `storage.sealing`); without a data key it is kept as typed, like the store keeps it.
The folder is SAFEHARBOR_TIP_SPOOL, else `tip-spool/` beside a SQLite store, else ./var/tip-spool.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from safeharbor.settings import DEFAULT_DB_PATH, Settings
from safeharbor.storage.engine import Store
from safeharbor.storage.sealing import DataKeyError, SecretBox
from safeharbor.tips.model import TipInput, TipPlace
from safeharbor.tips.store import new_reference, submit_tip
from safeharbor.tips.tables import tips

log = logging.getLogger(__name__)
SUFFIX = ".tip.json"


def spool_folder(store: Store, settings: Settings | None = None) -> Path:
    """Where this store's spool lives (see the module's docstring)."""
    s = settings if settings is not None else Settings.from_env()
    if s.tip_spool is not None:
        return s.tip_spool
    database = store.backend.file_path
    return (database.parent if database is not None else DEFAULT_DB_PATH.parent) / "tip-spool"


@dataclass(frozen=True, slots=True)
class Spooled:
    """A tip waiting in the spool: what the reporter sent, and what they were told."""

    form: TipInput
    reference: str
    created_at: datetime
    held: bool = False


@dataclass
class RetryReport:
    stored: list[str] = field(default_factory=list)  # references now in the store
    waiting: int = 0  # still in the spool (the store failed again)
    unreadable: list[str] = field(default_factory=list)  # files that could not be read (left in place)


def _encode(item: Spooled, box: SecretBox) -> bytes:
    form = asdict(item.form)
    form["seen_on"] = item.form.seen_on.isoformat()
    form["contact"] = box.seal(item.form.contact) if item.form.contact else None
    record = {"reference": item.reference, "created_at": item.created_at.isoformat(), "held": item.held}
    return json.dumps({**record, "form": form}, ensure_ascii=False).encode()


def _decode(raw: bytes, box: SecretBox) -> Spooled:
    data = json.loads(raw)
    form = dict(data["form"])
    form["where"] = TipPlace(**form["where"])
    form["seen_on"] = date.fromisoformat(form["seen_on"])
    form["contact"] = box.open(form["contact"]) if form.get("contact") else None
    for name in ("signs", "phones", "emails", "handles"):
        form[name] = tuple(form.get(name) or ())
    return Spooled(
        form=TipInput(**form),
        reference=str(data["reference"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        held=bool(data.get("held")),
    )


def _private_folder(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # mkdir's mode is cut by the umask, and an existing folder keeps its own
    return folder


def _file_name(item: Spooled) -> str:
    # A form sent twice while the store is down is one file (its nonce names it), so it is one tip.
    basis = item.form.form_nonce or item.reference
    return hashlib.sha256(basis.encode()).hexdigest()[:32] + SUFFIX


def put(folder: Path, form: TipInput, created_at: datetime, *, held: bool = False) -> Spooled:
    """Write a tip to the spool durably; returns what the reporter is told (its reference)."""
    box = SecretBox.from_settings()
    _private_folder(folder)
    item = Spooled(form=form, reference=new_reference(), created_at=created_at, held=held)
    target = folder / _file_name(item)
    if target.exists():  # the same form again: the reporter hears the first reference
        return _decode(target.read_bytes(), box)
    temporary = folder / f".{target.name}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_encode(item, box))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
    log.warning("the store failed; a tip was kept in the spool %s (retried on the next tip)", folder)
    return item


def pending(folder: Path) -> list[Path]:
    """The spooled tips, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*" + SUFFIX), key=lambda path: path.stat().st_mtime)


_retrying = threading.Lock()  # one retry at a time in this process (other processes: see _store_one)


def retry(store: Store, folder: Path) -> RetryReport:
    """Store every spooled tip (stopping at the first failure of the store); each file is deleted
    once its tip is committed. A retry already running in this process makes this one a no-op."""
    report = RetryReport()
    if not _retrying.acquire(blocking=False):
        return report
    try:
        return _retry(store, folder, report)
    finally:
        _retrying.release()


def _retry(store: Store, folder: Path, report: RetryReport) -> RetryReport:
    box = SecretBox.from_settings()
    files = pending(folder)
    for number, path in enumerate(files):
        try:
            item = _decode(path.read_bytes(), box)
        except FileNotFoundError:
            continue  # another process stored it and removed the file meanwhile
        except (OSError, ValueError, KeyError, TypeError, DataKeyError) as exc:
            log.error("cannot read the spooled tip %s: %s", path, exc)
            report.unreadable.append(path.name)
            continue
        try:
            _store_one(store, item)
        except SQLAlchemyError as exc:
            log.warning("the store still fails (%s); %d tips stay in the spool", exc, len(files) - number)
            report.waiting = len(files) - number
            return report
        path.unlink(missing_ok=True)  # another process may have stored and removed it meanwhile
        report.stored.append(item.reference)
    return report


def _store_one(store: Store, item: Spooled) -> None:
    # Another process retrying the same file at the same moment is stopped by the form's nonce (the
    # second submit finds the first tip) and by the reference's unique constraint.
    with store.connect() as conn:
        there = conn.execute(select(tips.c.tip_id).where(tips.c.reference == item.reference)).first()
    if there is None:
        submit_tip(store, item.form, now=item.created_at, held=item.held, reference=item.reference)
